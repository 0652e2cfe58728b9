// Keyed hashes of finding values: linkable under one key, not under another,
// never the value itself.
#include <string>

#include <gtest/gtest.h>

#include "mcp_warden/inspect/value_hash.h"

namespace mcp_warden::inspect {
namespace {

TEST(InspectValueHashTest, EmptyKeyIsRefused) {
  EXPECT_EQ(ValueHasher::create("").status().code(), ErrorCode::kInvalidArgument);
}

TEST(InspectValueHashTest, KnownAnswerForHmacSha256) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  auto h = ValueHasher::create("Jefe");
  ASSERT_TRUE(h.is_ok());
  EXPECT_EQ(h->hash(Kind::kSecret, "what do ya want for nothing?"),
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(InspectValueHashTest, CanonicalFormsLinkSpellingsOfOneValue) {
  EXPECT_EQ(canonical_value(Kind::kPaymentCard, "4111 1111-1111 1111"), "4111111111111111");
  EXPECT_EQ(canonical_value(Kind::kIban, "gb82 west 1234"), "GB82WEST1234");
  EXPECT_EQ(canonical_value(Kind::kEmail, "Alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(canonical_value(Kind::kSecret, "AbC "), "AbC ");
}

TEST(InspectValueHashTest, DifferentKeysGiveUnrelatedHashes) {
  auto a = ValueHasher::create(std::string(32, 'a'));
  auto b = ValueHasher::create(std::string(32, 'b'));
  EXPECT_NE(a->hash(Kind::kSsn, "536-22-1234"), b->hash(Kind::kSsn, "536-22-1234"));
  EXPECT_EQ(a->hash(Kind::kSsn, "536-22-1234"), a->hash(Kind::kSsn, "536 22 1234"));
}

}  // namespace
}  // namespace mcp_warden::inspect
