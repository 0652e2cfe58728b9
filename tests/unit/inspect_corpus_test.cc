// The labelled corpus (tests/fixtures/inspect/corpus.jsonl): every detector
// held to its documented precision and recall floors (docs/inspection.md),
// and no finding at all on the hard negatives. Prints the table.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mcp_warden/inspect/detectors.h"

namespace mcp_warden::inspect {
namespace {

using nlohmann::json;

struct Sample {
  std::set<std::string> detectors;
  std::string text;
};

std::vector<Sample> load_corpus() {
  std::ifstream in(std::string(MCP_WARDEN_FIXTURES_DIR) + "/inspect/corpus.jsonl");
  std::vector<Sample> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line);
    Sample s;
    for (const auto& d : j["detectors"]) s.detectors.insert(d.get<std::string>());
    s.text = j["text"].get<std::string>();
    out.push_back(std::move(s));
  }
  return out;
}

struct Counts {
  int tp = 0, fp = 0, fn = 0;
  double precision() const { return tp + fp == 0 ? 1.0 : static_cast<double>(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : static_cast<double>(tp) / (tp + fn); }
};

std::set<std::string> found_detectors(const std::string& text) {
  std::set<std::string> out;
  for (const Finding& f : Detectors::builtin().find(text)) out.insert(std::string(detector_info(f.detector).name));
  return out;
}

// The floors docs/inspection.md promises (medium confidence and up).
constexpr double kPrecisionFloor = 1.0;
constexpr double kRecallFloor = 1.0;

TEST(InspectCorpusTest, EveryDetectorMeetsItsFloorsAndNegativesStayClean) {
  std::vector<Sample> corpus = load_corpus();
  ASSERT_GT(corpus.size(), 150u);
  std::map<std::string, Counts> counts;
  for (std::size_t d = 0; d < kDetectorCount; ++d) counts[std::string(detector_info(static_cast<DetectorId>(d)).name)];
  int negatives = 0;
  for (const Sample& s : corpus) {
    std::set<std::string> found = found_detectors(s.text);
    if (s.detectors.empty()) {
      ++negatives;
      EXPECT_TRUE(found.empty()) << "false positive " << *found.begin() << " on: " << s.text;
    }
    for (auto& [name, c] : counts) {
      bool want = s.detectors.count(name) > 0;
      bool got = found.count(name) > 0;
      c.tp += want && got;
      c.fp += !want && got;
      c.fn += want && !got;
      if (want != got) ADD_FAILURE() << name << (got ? " found in: " : " missed in: ") << s.text;
    }
  }
  std::printf("| detector | positives | true pos. | false pos. | false neg. | precision | recall |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& [name, c] : counts) {
    std::printf("| %s | %d | %d | %d | %d | %.2f | %.2f |\n", name.c_str(), c.tp + c.fn, c.tp, c.fp, c.fn,
                c.precision(), c.recall());
    EXPECT_GE(c.precision(), kPrecisionFloor) << name;
    EXPECT_GE(c.recall(), kRecallFloor) << name;
    EXPECT_GT(c.tp + c.fn, 0) << name << " has no positive sample";
  }
  std::printf("%zu samples, %d hard negatives\n", corpus.size(), negatives);
}

// The first pass that find() runs leaves out trigger pairs no validator can
// succeed at; on every sample it must find exactly what the full table finds,
// with the widest vector pass the CPU has, at most SSSE3, and SSE2 only.
TEST(InspectCorpusTest, NarrowedFirstPassFindsWhatTheFullTableFinds) {
  std::vector<Sample> corpus = load_corpus();
  ASSERT_GT(corpus.size(), 150u);
  const Detectors& d = Detectors::builtin();
  const Detectors ssse3(Detectors::VectorPass::kSsse3);
  const Detectors baseline(Detectors::VectorPass::kBaseline);
  for (const Sample& s : corpus) {
    std::vector<Finding> full = d.find_unfiltered(s.text, KindSet::all(), Confidence::kLow);
    for (const Detectors* pass : {&d, &ssse3, &baseline}) {
      std::vector<Finding> fast = pass->find(s.text, KindSet::all(), Confidence::kLow);
      ASSERT_EQ(fast.size(), full.size()) << s.text;
      for (std::size_t k = 0; k < fast.size(); ++k) {
        EXPECT_TRUE(fast[k].detector == full[k].detector && fast[k].confidence == full[k].confidence &&
                    fast[k].begin == full[k].begin && fast[k].end == full[k].end)
            << s.text;
      }
    }
  }
}

}  // namespace
}  // namespace mcp_warden::inspect
