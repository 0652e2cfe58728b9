// StaticMatches: for one (method, server, tool, effective annotations), the
// rules whose static conditions hold — method, server, tool, annotations and tool words,
// see static_match_holds() — in file order. Nothing else affects them, so
// each distinct combination is worked out once and kept; evaluate() then
// checks only trust, tier and args, and only on these rules.
//
// Internal to mcp_warden_policy; part of a Policy's per-session evaluation
// state. Not thread-safe (evaluate() runs on one thread at a time). Tool
// names come from the client, so at most kMaxEntries combinations are kept;
// when full it starts over empty.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mcp_warden/policy/call_context.h"
#include "model.h"

namespace mcp_warden::policy::internal {

class StaticMatches {
 public:
  static constexpr size_t kMaxEntries = 1024;

  struct Entry {
    std::vector<size_t> rules;  // indexes into model.rules, ascending
    QuickPlan plan;             // how to pass over them quickly (quick_groups.h)
    // The default decision's reason for this tool; evaluate() writes it
    // the first time no rule matches (it depends only on the tool name).
    std::string default_reason;
    // A matching rule's reason when it has no evidence to show (index into
    // model.rules, reason), written the first time that rule decides.
    std::vector<std::pair<size_t, std::string>> rule_reasons;
  };
  // Valid until the next call.
  Entry& rules_for(const Model& model, const CallContext& call, const ToolAnnotations& annotations);

 private:
  struct KeyView {
    std::string_view method;
    std::string_view server;
    std::string_view tool;
    unsigned hints;
  };
  struct Key {
    std::string method;
    std::string server;
    std::string tool;
    unsigned hints;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(const KeyView& k) const;
    size_t operator()(const Key& k) const { return (*this)(KeyView{k.method, k.server, k.tool, k.hints}); }
  };
  struct Equal {
    using is_transparent = void;
    static KeyView view(const Key& k) { return {k.method, k.server, k.tool, k.hints}; }
    static KeyView view(const KeyView& k) { return k; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const KeyView x = view(a);
      const KeyView y = view(b);
      return x.hints == y.hints && x.server == y.server && x.tool == y.tool && x.method == y.method;
    }
  };

  std::unordered_map<Key, Entry, Hash, Equal> entries_;
};

}  // namespace mcp_warden::policy::internal
