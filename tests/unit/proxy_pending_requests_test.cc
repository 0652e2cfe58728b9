// The table of requests in flight in one direction: ids are matched by their
// JSON value (1 and "1" differ), an id in flight is not taken twice, and a
// taken entry is handed over whole.
#include "mcp_warden/proxy/pending_requests.h"

#include <gtest/gtest.h>

namespace mcp_warden::proxy {
namespace {

using nlohmann::json;

TEST(PendingRequestsTest, ATakenEntryIsHandedOverWholeAndOnlyOnce) {
  PendingRequests table;
  PendingRequest request(json(7), "tools/call", 123);
  request.tool = "read_file";
  ASSERT_TRUE(table.insert(std::move(request)));

  auto taken = table.take(json(7));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->id, json(7));
  EXPECT_EQ(taken->method, "tools/call");
  EXPECT_EQ(taken->started_nanos, 123);
  EXPECT_EQ((*taken).tool, "read_file");
  EXPECT_TRUE(table.empty());
  EXPECT_FALSE(table.take(json(7)));
}

TEST(PendingRequestsTest, AnIntegerIdAndTheSameDigitsAsAStringAreDifferentIds) {
  PendingRequests table;
  ASSERT_TRUE(table.insert(PendingRequest(json(1), "ping", 0)));
  ASSERT_TRUE(table.insert(PendingRequest(json("1"), "tools/list", 0)));
  EXPECT_EQ(table.size(), 2u);
  auto by_string = table.take(json("1"));
  ASSERT_TRUE(by_string);
  EXPECT_EQ(by_string->method, "tools/list");
  EXPECT_TRUE(table.contains(json(1)));
  EXPECT_FALSE(table.contains(json("1")));
}

TEST(PendingRequestsTest, AnIdStillInFlightIsNotRecordedAgain) {
  PendingRequests table;
  ASSERT_TRUE(table.insert(PendingRequest(json(5), "first", 0)));
  EXPECT_FALSE(table.insert(PendingRequest(json(5), "second", 0)));
  auto taken = table.take(json(5));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->method, "first");
}

TEST(PendingRequestsTest, NothingToTakeGivesAnEmptyHandle) {
  PendingRequests table;
  PendingRequests::Taken none = table.take(json(1));
  EXPECT_FALSE(none);
}

}  // namespace
}  // namespace mcp_warden::proxy
