#include "ack_registry.h"

#include <gtest/gtest.h>

namespace scansync::client {
namespace {

TimePoint at(int ms) { return TimePoint{} + Millis{ms}; }

AckHandler counting(int& n) {
  return [&n](std::error_code, const std::vector<std::string_view>&) { ++n; };
}

TEST(AckRegistry, IdsIncrease) {
  AckRegistry r;
  EXPECT_EQ(r.next_id(), 0u);
  EXPECT_EQ(r.next_id(), 1u);
  EXPECT_EQ(r.next_id(), 2u);
}

TEST(AckRegistry, TakeByIdOnce) {
  AckRegistry r;
  int n = 0;
  r.add(5, counting(n), at(100));
  EXPECT_FALSE(r.take(4).has_value());
  auto h = r.take(5);
  ASSERT_TRUE(h.has_value());
  (*h)({}, {});
  EXPECT_EQ(n, 1);
  EXPECT_FALSE(r.take(5).has_value());
  EXPECT_TRUE(r.empty());
}

TEST(AckRegistry, ExpiresByDeadline) {
  AckRegistry r;
  int n = 0;
  r.add(1, counting(n), at(300));
  r.add(2, counting(n), at(100));
  r.add(3, counting(n), std::nullopt);
  EXPECT_EQ(r.earliest_deadline(), at(100));
  EXPECT_TRUE(r.take_expired(at(99)).empty());
  EXPECT_EQ(r.take_expired(at(100)).size(), 1u);
  EXPECT_EQ(r.earliest_deadline(), at(300));
  EXPECT_EQ(r.take_expired(at(10000)).size(), 1u);
  EXPECT_FALSE(r.earliest_deadline().has_value());
  EXPECT_EQ(r.size(), 1u);  // the one without a deadline stays
  EXPECT_EQ(r.take_all().size(), 1u);
  EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace scansync::client
