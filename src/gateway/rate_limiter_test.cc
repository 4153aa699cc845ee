#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace scansync::gateway {
namespace {

using std::chrono::milliseconds;
const RateLimiter::Clock::time_point t0{std::chrono::hours(1)};

TEST(RateLimiter, BurstThenRefillAtTheRate) {
  RateLimiter limiter(10, 5);  // 10/s, bursts of 5
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.allow("alice", t0)) << i;
  EXPECT_FALSE(limiter.allow("alice", t0));
  EXPECT_DOUBLE_EQ(limiter.wait_s("alice", t0), 0.1);
  EXPECT_FALSE(limiter.allow("alice", t0 + milliseconds(99)));
  // 200 ms after the bucket ran dry: two tokens back, not three.
  EXPECT_TRUE(limiter.allow("alice", t0 + milliseconds(200)));
  EXPECT_TRUE(limiter.allow("alice", t0 + milliseconds(200)));
  EXPECT_FALSE(limiter.allow("alice", t0 + milliseconds(200)));
}

TEST(RateLimiter, UsersHaveTheirOwnBuckets) {
  RateLimiter limiter(1, 2);
  EXPECT_TRUE(limiter.allow("alice", t0));
  EXPECT_TRUE(limiter.allow("alice", t0));
  EXPECT_FALSE(limiter.allow("alice", t0));
  EXPECT_TRUE(limiter.allow("bob", t0));
  EXPECT_EQ(limiter.wait_s("carol", t0), 0);
}

TEST(RateLimiter, ABucketNeverHoldsMoreThanTheBurst) {
  RateLimiter limiter(100, 3);
  EXPECT_TRUE(limiter.allow("alice", t0));
  const auto later = t0 + std::chrono::hours(10);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("alice", later));
  EXPECT_FALSE(limiter.allow("alice", later));
}

TEST(RateLimiter, ZeroRateDisablesLimiting) {
  RateLimiter limiter(0, 1);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.allow("alice", t0));
}

TEST(RateLimiter, FullBucketsAreSweptSoMemoryStaysBounded) {
  RateLimiter limiter(1000, 1);
  for (int i = 0; i < 5000; ++i) limiter.allow("user-" + std::to_string(i), t0 + milliseconds(i));
  // Every bucket older than 1 ms has refilled; sweeps ran every 1024 calls.
  EXPECT_LT(limiter.tracked(), 1100u);
}

}  // namespace
}  // namespace scansync::gateway
