#include "timer_set.h"

#include <gtest/gtest.h>

#include "heartbeat.h"

namespace scansync::client {
namespace {

TimePoint at(int ms) { return TimePoint{} + Millis{ms}; }

TEST(TimerSet, ArmsOnlyWhenTheEarliestChanges) {
  TimerSet t(3);
  EXPECT_FALSE(t.reconcile().has_value());  // nothing armed, nothing wanted
  t.set(0, at(500));
  auto a = t.reconcile();
  ASSERT_TRUE(a && std::holds_alternative<ArmTimer>(*a));
  EXPECT_EQ(std::get<ArmTimer>(*a).deadline, at(500));
  t.set(1, at(900));  // later: the armed deadline stays right
  EXPECT_FALSE(t.reconcile().has_value());
  t.set(2, at(200));  // earlier: re-arm
  a = t.reconcile();
  ASSERT_TRUE(a && std::holds_alternative<ArmTimer>(*a));
  EXPECT_EQ(std::get<ArmTimer>(*a).deadline, at(200));
  t.clear(2);
  a = t.reconcile();
  ASSERT_TRUE(a && std::holds_alternative<ArmTimer>(*a));
  EXPECT_EQ(std::get<ArmTimer>(*a).deadline, at(500));
}

TEST(TimerSet, CancelsWhenNothingIsLeft) {
  TimerSet t(2);
  t.set(0, at(1));
  (void)t.reconcile();
  t.clear_all();
  auto a = t.reconcile();
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(std::holds_alternative<CancelTimer>(*a));
  EXPECT_FALSE(t.reconcile().has_value());
}

TEST(TimerSet, FiredTimerIsReArmedEvenForTheSameDeadline) {
  TimerSet t(1);
  t.set(0, at(10));
  (void)t.reconcile();
  t.fired();
  auto a = t.reconcile();
  ASSERT_TRUE(a && std::holds_alternative<ArmTimer>(*a));
  t.clear(0);
  t.fired();
  EXPECT_FALSE(t.reconcile().has_value());  // a fired timer needs no cancel
}

TEST(TimerSet, UnchangedDeadlinesAskNothing) {
  TimerSet t(2);
  t.set(0, at(500));
  ASSERT_TRUE(t.reconcile().has_value());
  t.set(0, at(500));  // the same again
  EXPECT_FALSE(t.reconcile().has_value());
  t.set(0, at(200));  // moved and back before anyone looked
  t.set(0, at(500));
  EXPECT_FALSE(t.reconcile().has_value());
  t.set(0, at(600));
  auto a = t.reconcile();
  ASSERT_TRUE(a && std::holds_alternative<ArmTimer>(*a));
  EXPECT_EQ(std::get<ArmTimer>(*a).deadline, at(600));
}

TEST(TimerSet, Due) {
  TimerSet t(2);
  t.set(1, at(10));
  EXPECT_FALSE(t.due(0, at(100)));
  EXPECT_FALSE(t.due(1, at(9)));
  EXPECT_TRUE(t.due(1, at(10)));
}

TEST(HeartbeatWatchdog, DeadlineIsIntervalPlusTimeoutFromOpenOrLastPing) {
  HeartbeatWatchdog w;
  EXPECT_FALSE(w.running());
  w.on_ping(at(0));  // not started: no effect
  EXPECT_FALSE(w.deadline().has_value());
  w.start(Millis{25000}, Millis{20000}, at(1000));
  EXPECT_EQ(w.deadline(), at(46000));
  EXPECT_FALSE(w.expired(at(45999)));
  EXPECT_TRUE(w.expired(at(46000)));
  w.on_ping(at(30000));
  EXPECT_EQ(w.deadline(), at(75000));
  w.stop();
  EXPECT_FALSE(w.expired(at(1000000)));
}

}  // namespace
}  // namespace scansync::client
