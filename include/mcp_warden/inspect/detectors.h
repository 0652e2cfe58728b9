// The content detectors, compiled once: secrets (private-key blocks, vendor
// tokens in their documented formats, `password=`-style assignments with an
// entropy check, credentials in URLs), payment cards (Luhn + issuer prefix),
// US SSNs (never-issued ranges excluded), IBANs (mod-97), e-mail addresses,
// phone numbers, and hidden instructions (invisible Unicode, instruction-like
// phrases and tags aimed at the model). docs/inspection.md lists each
// detector's exact rule and its measured precision and recall.
//
// How it runs: one pass over the bytes finds the pairs of adjacent bytes that
// are in an 8 KiB bit table of "trigger" pairs (e.g. two digits, '@' + a
// letter, "AK", "-B", the first bytes of U+200B): vector instructions (SSE2,
// or SSSE3 or AVX2 where the CPU has them) classify the bytes 64 at a time
// into bit masks that mark a cheap superset of them, and only marked pairs
// are looked up.
// Pairs whose validator cannot succeed there are passed over in the pass
// itself: a digit run no number shape can start (decided on the masks, 64
// positions at once), an assignment whose key cannot end in a secret name.
// Only at a trigger does a family's validator look at the text around it,
// and it returns where the pass may resume, so no byte is examined by a
// validator more than a bounded number of times. Cost: O(n) in the text's
// length; on text without findings it runs at a small multiple of a memchr
// pass (docs/performance.md, "Content inspection"). RE2 is used for the
// instruction phrases only, on a bounded window after a literal anchor has
// matched.
//
// Findings are reported in order of `begin`; they may overlap (a card number
// inside a `password=` value is both). Text is treated as bytes: invalid UTF-8
// never crashes a detector and never produces a span that cuts a valid UTF-8
// sequence.
//
// Thread safety: a Detectors is immutable after construction; find() may be
// called from any number of threads at once. builtin() is built on first use
// (thread-safe) and lives until exit.
#pragma once

#include <array>
#include <memory>
#include <string_view>
#include <vector>

#include "mcp_warden/inspect/finding.h"

namespace re2 {
class RE2;
}

namespace mcp_warden::inspect {

class Detectors {
 public:
  // The shared instance every caller should use (about 0.2 ms to build).
  static const Detectors& builtin();

  // Which vector instructions the first pass may use on x86-64: the widest
  // the CPU has (AVX2, else SSSE3, else SSE2), at most SSSE3, or the
  // baseline SSE2. Elsewhere the pass reads its table without vectors. All
  // find exactly the same; the tests compare them.
  enum class VectorPass { kWidest, kSsse3, kBaseline };

  explicit Detectors(VectorPass pass = VectorPass::kWidest);
  ~Detectors();
  Detectors(const Detectors&) = delete;
  Detectors& operator=(const Detectors&) = delete;

  // Appends to `out` the findings of the detectors whose kind is in `kinds`
  // with confidence >= `min_confidence`, sorted by begin. Never throws.
  void find(std::string_view text, KindSet kinds, Confidence min_confidence,
            std::vector<Finding>& out) const;
  std::vector<Finding> find(std::string_view text, KindSet kinds = KindSet::all(),
                            Confidence min_confidence = Confidence::kMedium) const;

  // The same as find() with every trigger pair sent to its validator (nothing
  // left out of the first pass): slower; the tests compare the two.
  std::vector<Finding> find_unfiltered(std::string_view text, KindSet kinds = KindSet::all(),
                                       Confidence min_confidence = Confidence::kMedium) const;

  // True when `text` holds at least one finding of `kinds` (stops at the first).
  bool contains(std::string_view text, KindSet kinds,
                Confidence min_confidence = Confidence::kMedium) const;

  struct Tables;  // the trigger tables and compiled phrases (detectors.cc)

 private:
  std::unique_ptr<const Tables> tables_;
};

}  // namespace mcp_warden::inspect
