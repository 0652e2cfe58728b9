// RetentionRules: which content may reach a server, by the retention the
// policy's `servers:` section declares for it (IATP's privacy rule). A
// request whose arguments hold a finding of kind K (tools/call, prompts/get,
// completion/complete) is denied when the server's retention is one K's rule
// lists. "undeclared" stands for a server no `servers:` entry gives a
// retention.
//
//   retention_rules:                  # the defaults
//     payment_card: [permanent]
//     ssn: [temporary, permanent, undeclared]
//
// A policy's `retention_rules:` replaces the rule of each kind it names
// (`ssn: []` allows SSNs to every server); kinds it does not name keep the
// parent's rule, or the default. Evaluated by Policy::evaluate after the
// rules, so a permissive policy's shadow shows what strict would do.
//
// Thread safety: immutable after loading.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mcp_warden/inspect/finding.h"

namespace mcp_warden::policy {

// A server's retention as the policy declares it.
enum class RetentionClass : uint8_t { kEphemeral, kTemporary, kPermanent, kUndeclared };
inline constexpr std::size_t kRetentionClassCount = 4;

// "ephemeral", "temporary", "permanent", "undeclared".
std::string_view retention_class_name(RetentionClass r);
std::optional<RetentionClass> parse_retention_class(std::string_view text);
// A `servers:` entry's retention (nullopt: undeclared).
RetentionClass retention_class_of(const std::optional<std::string>& declared);

class RetentionRules {
 public:
  // payment_card → {permanent}; ssn → {temporary, permanent, undeclared}.
  static RetentionRules defaults();

  // Replaces the rule for `kind` (a bit per RetentionClass); `origin` names it.
  void set(inspect::Kind kind, uint8_t denied_classes, std::string origin);
  bool denies(inspect::Kind kind, RetentionClass r) const;
  // The first kind (in Kind order) of `found` denied to `r`, if any.
  std::optional<inspect::Kind> first_denied(inspect::KindSet found, RetentionClass r) const;
  // Whether any rule denies anything (so the caller may skip the lookup).
  bool any() const;
  // "file:line" of the rule for `kind`, or "default".
  const std::string& origin(inspect::Kind kind) const { return origins_[static_cast<std::size_t>(kind)]; }

  static constexpr uint8_t bit(RetentionClass r) { return static_cast<uint8_t>(1u << static_cast<unsigned>(r)); }

 private:
  std::array<uint8_t, inspect::kKindCount> denied_{};
  std::array<std::string, inspect::kKindCount> origins_{};
};

}  // namespace mcp_warden::policy
