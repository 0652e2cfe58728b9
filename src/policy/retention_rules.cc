#include "mcp_warden/policy/retention_rules.h"

namespace mcp_warden::policy {
namespace {

constexpr std::array<std::string_view, kRetentionClassCount> kClassNames = {"ephemeral", "temporary", "permanent",
                                                                             "undeclared"};

}  // namespace

std::string_view retention_class_name(RetentionClass r) { return kClassNames.at(static_cast<std::size_t>(r)); }

std::optional<RetentionClass> parse_retention_class(std::string_view text) {
  for (std::size_t i = 0; i < kClassNames.size(); ++i) {
    if (text == kClassNames[i]) return static_cast<RetentionClass>(i);
  }
  return std::nullopt;
}

RetentionClass retention_class_of(const std::optional<std::string>& declared) {
  if (!declared) return RetentionClass::kUndeclared;
  std::optional<RetentionClass> parsed = parse_retention_class(*declared);
  return parsed && *parsed != RetentionClass::kUndeclared ? *parsed : RetentionClass::kUndeclared;
}

RetentionRules RetentionRules::defaults() {
  RetentionRules rules;
  for (std::string& origin : rules.origins_) origin = "default";
  rules.set(inspect::Kind::kPaymentCard, bit(RetentionClass::kPermanent), "default");
  rules.set(inspect::Kind::kSsn,
            bit(RetentionClass::kTemporary) | bit(RetentionClass::kPermanent) | bit(RetentionClass::kUndeclared),
            "default");
  return rules;
}

void RetentionRules::set(inspect::Kind kind, uint8_t denied_classes, std::string origin) {
  denied_[static_cast<std::size_t>(kind)] = denied_classes;
  origins_[static_cast<std::size_t>(kind)] = std::move(origin);
}

bool RetentionRules::denies(inspect::Kind kind, RetentionClass r) const {
  return (denied_[static_cast<std::size_t>(kind)] & bit(r)) != 0;
}

std::optional<inspect::Kind> RetentionRules::first_denied(inspect::KindSet found, RetentionClass r) const {
  for (std::size_t i = 0; i < inspect::kKindCount; ++i) {
    auto kind = static_cast<inspect::Kind>(i);
    if (found.contains(kind) && denies(kind, r)) return kind;
  }
  return std::nullopt;
}

bool RetentionRules::any() const {
  for (uint8_t bits : denied_) {
    if (bits != 0) return true;
  }
  return false;
}

}  // namespace mcp_warden::policy
