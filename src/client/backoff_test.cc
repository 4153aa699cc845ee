#include "backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace scansync::client {
namespace {

std::vector<long> delays_until_exhausted(Backoff& b) {
  std::vector<long> out;
  while (auto d = b.next()) {
    out.push_back(static_cast<long>(d->count()));
    if (out.size() > 1000) break;
  }
  return out;
}

TEST(Backoff, ContractScheduleThenGivesUpAfterTen) {
  Backoff b(BackoffOptions{});
  EXPECT_EQ(delays_until_exhausted(b),
            (std::vector<long>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000}));
  EXPECT_EQ(b.attempts(), 10);
  EXPECT_FALSE(b.next().has_value());
  EXPECT_EQ(b.attempts(), 10);
}

TEST(Backoff, ResetStartsOver) {
  Backoff b(BackoffOptions{});
  (void)b.next();
  (void)b.next();
  (void)b.next();
  b.reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.next(), Millis{1000});
  EXPECT_EQ(b.attempts(), 1);
}

TEST(Backoff, ConfigurableNumbers) {
  BackoffOptions o;
  o.initial = Millis{100};
  o.factor = 3.0;
  o.max = Millis{2000};
  o.max_attempts = 5;
  Backoff b(o);
  EXPECT_EQ(delays_until_exhausted(b), (std::vector<long>{100, 300, 900, 2000, 2000}));
}

TEST(Backoff, ZeroAttemptsGivesUpAtOnce) {
  BackoffOptions o;
  o.max_attempts = 0;
  Backoff b(o);
  EXPECT_FALSE(b.next().has_value());
}

TEST(Backoff, HugeExponentSaturatesAtMax) {
  BackoffOptions o;
  o.max_attempts = 5000;
  Backoff b(o);
  EXPECT_EQ(b.base_delay(4000), Millis{30000});
  EXPECT_EQ(b.base_delay(1), Millis{1000});
  EXPECT_EQ(b.base_delay(0), Millis{1000});
}

TEST(Backoff, ZeroInitialStaysZeroForever) {
  BackoffOptions o;
  o.initial = Millis{0};
  o.factor = 1e300;
  o.max_attempts = 3000;
  Backoff b(o);
  for (int i = 0; i < 3000; ++i) EXPECT_EQ(b.next(), Millis{0});
}

TEST(Backoff, HugeFactorSaturates) {
  BackoffOptions o;
  o.factor = 1e300;
  Backoff b(o);
  EXPECT_EQ(b.base_delay(2), Millis{30000});
  EXPECT_EQ(b.base_delay(100), Millis{30000});
}

TEST(Backoff, NonsenseOptionsAreClamped) {
  BackoffOptions o;
  o.initial = Millis{-5};
  o.factor = 0.5;
  o.jitter = 7.0;
  o.max = Millis{-1};
  o.max_attempts = -3;
  Backoff b(o);
  EXPECT_GE(b.options().factor, 1.0);
  EXPECT_LE(b.options().jitter, 1.0);
  EXPECT_EQ(b.options().initial, Millis{0});
  EXPECT_FALSE(b.next().has_value());
}

TEST(Backoff, JitterStaysWithinBoundsAndIsSeeded) {
  BackoffOptions o;
  o.jitter = 0.5;
  o.max_attempts = 10;
  Backoff a(o, 42), b(o, 42), c(o, 43);
  std::vector<long> da, db, dc;
  for (int n = 1; n <= 10; ++n) {
    const long base = static_cast<long>(a.base_delay(n).count());
    const long x = static_cast<long>(a.next()->count());
    EXPECT_LE(x, base) << "attempt " << n;
    EXPECT_GE(x, base / 2) << "attempt " << n;
    da.push_back(x);
    db.push_back(static_cast<long>(b.next()->count()));
    dc.push_back(static_cast<long>(c.next()->count()));
  }
  EXPECT_EQ(da, db);  // same seed, same delays
  EXPECT_NE(da, dc);  // another seed, other delays
  // The jitter does something: not every delay equals its base.
  bool some_shorter = false;
  Backoff d(o, 42);
  for (int n = 1; n <= 10; ++n) some_shorter |= d.next() != d.base_delay(n);
  EXPECT_TRUE(some_shorter);
}

TEST(Backoff, FullJitterCanReachZeroButNotBelow) {
  BackoffOptions o;
  o.jitter = 1.0;
  o.max_attempts = 1000;
  Backoff b(o, 7);
  for (int i = 0; i < 1000; ++i) {
    auto d = b.next();
    ASSERT_TRUE(d.has_value());
    EXPECT_GE(d->count(), 0);
    EXPECT_LE(*d, Millis{30000});
  }
}

}  // namespace
}  // namespace scansync::client
