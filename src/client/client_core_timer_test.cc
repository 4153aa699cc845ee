// The one adapter timer: absolute deadlines, re-armed only when the earliest
// logical deadline changes, cancelled when nothing is due.
#include <gtest/gtest.h>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

int count_arms(const std::vector<Action>& log, std::size_t from) {
  int n = 0;
  for (std::size_t i = from; i < log.size(); ++i) n += std::holds_alternative<ArmTimer>(log[i]) ? 1 : 0;
  return n;
}

TEST(ClientCoreTimer, ReArmedOnlyWhenTheEarliestDeadlineChanges) {
  ScriptedServer s;
  s.connect_fully();
  const TimePoint heartbeat = *s.timer();
  EXPECT_EQ(heartbeat, s.clock.t + Millis{45000});
  auto mark = s.log().size();
  s.core.emit("a", "[]", [](std::error_code, const std::vector<std::string_view>&) {});
  s.pump();
  EXPECT_EQ(count_arms(s.log(), mark), 1);  // the ack deadline comes first
  EXPECT_EQ(*s.timer(), s.clock.t + Millis{10000});
  mark = s.log().size();
  s.advance(Millis{5});
  s.core.emit("b", "[]", [](std::error_code, const std::vector<std::string_view>&) {});
  s.core.emit("c", "[]");
  s.pump();
  EXPECT_EQ(count_arms(s.log(), mark), 0);  // later deadlines change nothing
  s.feed(R"(431[])");                       // the first ack: the second's deadline is next
  EXPECT_EQ(*s.timer(), s.clock.t + Millis{10000});  // b was sent at the current time
  s.feed(R"(432[])");
  EXPECT_EQ(*s.timer(), heartbeat);  // back to the heartbeat
}

TEST(ClientCoreTimer, EarlyFireReArmsTheSameDeadline) {
  ScriptedServer s;
  s.core.connect();
  s.pump();
  const TimePoint deadline = *s.timer();
  const auto mark = s.log().size();
  s.core.on_timer();  // a timer that went off early: nothing is due yet
  s.pump();
  EXPECT_EQ(s.core.status(), connecting());
  ASSERT_EQ(count_arms(s.log(), mark), 1);
  EXPECT_EQ(*s.timer(), deadline);
}

TEST(ClientCoreTimer, DeadlinesFollowTheInjectedClock) {
  ScriptedServer s;
  s.clock.t = TimePoint{} + std::chrono::hours(1000);
  s.core.connect();
  s.pump();
  EXPECT_EQ(*s.timer(), TimePoint{} + std::chrono::hours(1000) + Millis{20000});
}

TEST(ClientCoreTimer, NothingArmedWhileIdle) {
  ScriptedServer s;
  s.core.emit("a", "[]", [](std::error_code, const std::vector<std::string_view>&) {});
  s.pump();
  EXPECT_FALSE(s.timer().has_value());
  EXPECT_TRUE(s.log().empty());
}

}  // namespace
}  // namespace scansync::client::testing
