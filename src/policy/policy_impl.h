// Policy::Impl: the loaded model plus the per-session evaluation state.
// Internal to mcp_warden_policy.
#pragma once

#include <memory>
#include <vector>

#include "mcp_warden/policy/policy.h"
#include "call_view.h"
#include "model.h"
#include "rate_limiter.h"
#include "static_matches.h"

namespace mcp_warden::policy {

struct Policy::Impl {
  internal::Model model;
  PathNormalizer normalizer;
  internal::RateLimiter limiter;
  internal::StaticMatches static_matches;
  internal::QuickScratch quick_scratch;  // evaluate()'s buffers, reused
  std::vector<size_t> candidate_rules;   // evaluate(): the rules left to check
  internal::CallScratch call_scratch;    // evaluate(): the CallView's buffers
  std::unique_ptr<Policy> shadow;  // permissive's "what strict would do"
  std::vector<ServerEntry> servers;  // `servers:` entries, child's file first

  Impl(internal::Model m, PathNormalizer n) : model(std::move(m)), normalizer(std::move(n)) {}
};

}  // namespace mcp_warden::policy
