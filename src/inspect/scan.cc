#include "mcp_warden/inspect/scan.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace mcp_warden::inspect {
namespace {

using nlohmann::json;

// ---- spans ----------------------------------------------------------------

struct Span {
  std::size_t begin;
  std::size_t end;
  Kind kind;
};

// Overlapping findings as one span each, labelled with the first kind.
std::vector<Span> merge(std::span<const Finding> findings) {
  std::vector<Span> spans;
  for (const Finding& f : findings) {
    if (!spans.empty() && f.begin < spans.back().end) {
      spans.back().end = std::max(spans.back().end, f.end);
      spans.back().kind = std::min(spans.back().kind, f.kind);
    } else {
      spans.push_back({f.begin, f.end, f.kind});
    }
  }
  return spans;
}

std::string rebuild(std::string_view text, std::span<const Finding> findings, bool with_marker) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  for (const Span& s : merge(findings)) {
    std::size_t b = std::min(s.begin, text.size());
    std::size_t e = std::min(s.end, text.size());
    if (b < at) b = at;
    out.append(text.substr(at, b - at));
    if (with_marker) out += redaction_marker(s.kind);
    at = std::max(at, e);
  }
  out.append(text.substr(std::min(at, text.size())));
  return out;
}

// ---- JSON Pointers, built only when a string has findings ------------------

struct PathNode {
  int32_t parent;
  std::string token;  // the member name, or the index as text
};

// RFC 6901 escaping of one reference token.
std::string pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

std::string pointer_of(const std::vector<PathNode>& nodes, int32_t at) {
  std::vector<const std::string*> tokens;
  for (int32_t k = at; k > 0; k = nodes[static_cast<std::size_t>(k)].parent) {
    tokens.push_back(&nodes[static_cast<std::size_t>(k)].token);
  }
  std::string out;
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it) out += "/" + pointer_token(**it);
  return out;
}

// ---- the walk ---------------------------------------------------------------

enum class Mode { kScan, kRedact, kStrip };

template <typename Json>
struct Frame {
  Json* node;
  int32_t path;
  std::size_t depth;
};

bool is_binary_member(const json& parent, const std::string& key) {
  if (key == "blob") return true;
  if (key != "data") return false;
  auto type = parent.find("type");
  return type != parent.end() && type->is_string() && (*type == "image" || *type == "audio");
}

template <typename Json>
class Walker {
 public:
  Walker(const Detectors& d, const ScanOptions& o, Mode mode, KindSet redact_kinds)
      : detectors_(d), options_(o), mode_(mode), redact_kinds_(redact_kinds) {
    look_for_ = options_.kinds;
    if (mode_ == Mode::kRedact) {
      for (std::size_t k = 0; k < kKindCount; ++k) {
        if (redact_kinds.contains(static_cast<Kind>(k))) look_for_.add(static_cast<Kind>(k));
      }
    }
    if (mode_ == Mode::kStrip) look_for_ = KindSet{Kind::kHiddenInstruction};
  }

  Report run(Json& root) {
    nodes_.push_back({-1, ""});
    stack_.push_back({&root, 0, 0});
    while (!stack_.empty()) {
      Frame<Json> f = stack_.back();
      stack_.pop_back();
      visit(f);
    }
    return std::move(report_);
  }

 private:
  void visit(const Frame<Json>& f) {
    if (f.depth > options_.max_depth) {
      mark_incomplete("nested deeper than " + std::to_string(options_.max_depth));
      return;
    }
    if (f.node->is_string()) {
      inspect_string(*f.node, f.path);
    } else if (f.node->is_array()) {
      visit_array(f);
    } else if (f.node->is_object()) {
      visit_object(f);
    }
  }

  void visit_array(const Frame<Json>& f) {
    std::size_t size = f.node->size();
    for (std::size_t k = size; k-- > 0;) {
      stack_.push_back({&(*f.node)[k], add_path(f.path, std::to_string(k)), f.depth + 1});
    }
  }

  void visit_object(const Frame<Json>& f) {
    if (options_.scan_keys) inspect_keys(*f.node, f.path);
    std::vector<Frame<Json>> children;
    for (auto it = f.node->begin(); it != f.node->end(); ++it) {
      if (it.value().is_string() && is_binary_member(*f.node, it.key())) {
        ++report_.binary_skipped;
        continue;
      }
      if (!it.value().is_structured() && !it.value().is_string()) continue;
      children.push_back({&it.value(), add_path(f.path, it.key()), f.depth + 1});
    }
    stack_.insert(stack_.end(), children.rbegin(), children.rend());
  }

  int32_t add_path(int32_t parent, std::string token) {
    nodes_.push_back({parent, std::move(token)});
    return static_cast<int32_t>(nodes_.size() - 1);
  }

  // Looks at one text; returns the findings to act on (empty in scan mode).
  std::vector<Finding> inspect_text(std::string_view text, int32_t path, const std::string* key) {
    if (report_.bytes_scanned + text.size() > options_.max_bytes) {
      mark_incomplete("more than " + std::to_string(options_.max_bytes) + " bytes of text");
      return {};
    }
    ++report_.strings_scanned;
    report_.bytes_scanned += text.size();
    found_.clear();
    Confidence min = mode_ == Mode::kStrip ? Confidence::kLow : options_.min_confidence;
    detectors_.find(text, look_for_, min, found_);
    if (found_.empty()) return {};
    std::string where = pointer_of(nodes_, path);
    if (key) where += "/" + *key;
    std::vector<Finding> act;
    for (const Finding& f : found_) {
      bool acted = acts_on(f);
      if (mode_ == Mode::kStrip && !acted) continue;
      record(f, text, where, key != nullptr, acted);
      if (acted) act.push_back(f);
    }
    report_.redactions += acted_spans(act);
    return act;
  }

  bool acts_on(const Finding& f) const {
    if (mode_ == Mode::kRedact) return redact_kinds_.contains(f.kind);
    if (mode_ == Mode::kStrip) return f.detector == DetectorId::kInvisibleUnicode;
    return false;
  }

  static std::size_t acted_spans(const std::vector<Finding>& act) { return act.empty() ? 0 : merge(act).size(); }

  void record(const Finding& f, std::string_view text, const std::string& where, bool in_key, bool acted) {
    ++report_.findings;
    if (report_.occurrences.size() >= options_.max_occurrences) {
      report_.truncated = true;
      return;
    }
    Occurrence o{f.detector, f.kind, f.confidence, where, in_key, f.begin, f.end, acted, {}};
    if (options_.hasher) o.value_hash = options_.hasher->hash(f.kind, text.substr(f.begin, f.end - f.begin));
    report_.occurrences.push_back(std::move(o));
  }

  std::string rewritten(std::string_view text, const std::vector<Finding>& act) const {
    return mode_ == Mode::kStrip ? remove_spans(text, act) : redact_text(text, act);
  }

  void inspect_string(Json& node, int32_t path) {
    const std::string& text = node.template get_ref<const std::string&>();
    std::vector<Finding> act = inspect_text(text, path, nullptr);
    if constexpr (!std::is_const_v<Json>) {
      if (!act.empty()) node = rewritten(text, act);
    }
  }

  void inspect_keys(Json& object, int32_t path) {
    std::vector<std::pair<std::string, std::string>> renames;
    for (auto it = object.begin(); it != object.end(); ++it) {
      const std::string& key = it.key();
      std::string escaped_key = pointer_token(key);
      std::vector<Finding> act = inspect_text(key, path, &escaped_key);
      if (!act.empty()) renames.emplace_back(key, rewritten(key, act));
    }
    if constexpr (!std::is_const_v<Json>) {
      for (auto& [from, to] : renames) rename(object, from, to);
    }
  }

  static void rename(json& object, const std::string& from, std::string to) {
    std::string unique = to;
    for (int n = 2; object.contains(unique); ++n) unique = to + "#" + std::to_string(n);
    json moved = std::move(object[from]);
    object.erase(from);
    object[unique] = std::move(moved);
  }

  void mark_incomplete(const std::string& why) {
    if (!report_.incomplete) report_.error = why;
    report_.incomplete = true;
  }

  const Detectors& detectors_;
  const ScanOptions& options_;
  Mode mode_;
  KindSet redact_kinds_;
  KindSet look_for_;
  std::vector<PathNode> nodes_;
  std::vector<Frame<Json>> stack_;
  std::vector<Finding> found_;
  Report report_;
};

template <typename Json>
Report walk(Json& value, const Detectors& d, const ScanOptions& o, Mode mode, KindSet redact_kinds) {
  try {
    return Walker<Json>(d, o, mode, redact_kinds).run(value);
  } catch (const std::exception& e) {
    Report r;
    r.incomplete = true;
    r.error = std::string("inspection failed: ") + e.what();
    return r;
  }
}

}  // namespace

bool Report::has(Kind kind) const { return count(kind) > 0; }

std::size_t Report::count(Kind kind) const {
  return static_cast<std::size_t>(
      std::count_if(occurrences.begin(), occurrences.end(), [&](const Occurrence& o) { return o.kind == kind; }));
}

KindSet Report::kinds() const {
  KindSet set;
  for (const Occurrence& o : occurrences) set.add(o.kind);
  return set;
}

nlohmann::json Report::summary() const {
  using Key = std::tuple<Kind, DetectorId, std::string, bool>;
  std::map<Key, std::size_t> index;
  nlohmann::json out = nlohmann::json::array();
  for (const Occurrence& o : occurrences) {
    Key key{o.kind, o.detector, o.where, o.redacted};
    auto [it, fresh] = index.try_emplace(key, out.size());
    if (fresh) {
      nlohmann::json entry = {{"kind", kind_name(o.kind)},
                              {"detector", detector_info(o.detector).name},
                              {"where", o.where},
                              {"count", 0}};
      if (o.redacted) entry["redacted"] = true;
      out.push_back(std::move(entry));
    }
    out[it->second]["count"] = out[it->second]["count"].get<std::size_t>() + 1;
  }
  if (incomplete) out.push_back({{"incomplete", true}, {"reason", error}});
  return out;
}

std::string redaction_marker(Kind kind) { return "[REDACTED:" + std::string(kind_name(kind)) + "]"; }

std::string redact_text(std::string_view text, std::span<const Finding> findings) {
  return rebuild(text, findings, true);
}

std::string remove_spans(std::string_view text, std::span<const Finding> findings) {
  return rebuild(text, findings, false);
}

Report scan(const nlohmann::json& value, const Detectors& detectors, const ScanOptions& options) {
  return walk<const json>(value, detectors, options, Mode::kScan, KindSet::none());
}

Report redact(nlohmann::json& value, const Detectors& detectors, KindSet redact_kinds, const ScanOptions& options) {
  return walk<json>(value, detectors, options, Mode::kRedact, redact_kinds);
}

Report strip_hidden(nlohmann::json& value, const Detectors& detectors, const ScanOptions& options) {
  return walk<json>(value, detectors, options, Mode::kStrip, KindSet::none());
}

}  // namespace mcp_warden::inspect
