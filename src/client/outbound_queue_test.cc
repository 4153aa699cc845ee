#include "outbound_queue.h"

#include <gtest/gtest.h>

namespace scansync::client {
namespace {

QueuedEmit item(int n) { return QueuedEmit{"[\"e\"," + std::to_string(n) + "]", {}}; }

TEST(OutboundQueue, KeepsFifoOrder) {
  OutboundQueue q(50);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(q.push(item(i)).has_value());
  auto all = q.take_all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].data, "[\"e\",0]");
  EXPECT_EQ(all[2].data, "[\"e\",2]");
  EXPECT_TRUE(q.empty());
}

TEST(OutboundQueue, FiftyFirstDropsTheOldest) {
  OutboundQueue q(50);
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(q.push(item(i)).has_value());
  EXPECT_EQ(q.dropped_count(), 0u);
  auto dropped = q.push(item(50));
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->data, "[\"e\",0]");
  EXPECT_EQ(q.size(), 50u);
  EXPECT_EQ(q.dropped_count(), 1u);
  auto all = q.take_all();
  EXPECT_EQ(all.front().data, "[\"e\",1]");
  EXPECT_EQ(all.back().data, "[\"e\",50]");
}

TEST(OutboundQueue, DroppedItemKeepsItsAck) {
  OutboundQueue q(1);
  int called = 0;
  (void)q.push(QueuedEmit{"[\"a\"]", [&](std::error_code, const std::vector<std::string_view>&) { ++called; }});
  auto dropped = q.push(item(1));
  ASSERT_TRUE(dropped && dropped->ack);
  dropped->ack(make_error_code(errc::dropped), {});
  EXPECT_EQ(called, 1);
}

TEST(OutboundQueue, ZeroCapacityKeepsNothing) {
  OutboundQueue q(0);
  auto back = q.push(item(1));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->data, "[\"e\",1]");
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace scansync::client
