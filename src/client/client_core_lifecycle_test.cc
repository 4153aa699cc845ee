// User disconnect, network and app lifecycle, destruction.
#include <gtest/gtest.h>

#include <memory>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

TEST(ClientCoreLifecycle, DisconnectSendsCloseCancelsTimerAndFailsAcks) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  std::vector<RecordedAck> acks;
  s.core.emit("e", "[]", s.record_ack(acks));
  s.take_frames();
  ASSERT_TRUE(s.timer().has_value());
  s.core.disconnect();
  s.pump();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{"41"}));
  EXPECT_EQ(s.closes(), 1);
  EXPECT_TRUE(std::holds_alternative<CancelTimer>(s.log().back()));
  EXPECT_FALSE(s.timer().has_value());
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::user));
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ec, make_error_code(errc::closed));
  EXPECT_EQ(s.events_named("disconnect").back().args[0], "\"io client disconnect\"");

  // Nothing runs afterwards, whatever the transport or the clock do.
  const auto events = s.events.size();
  const auto statuses = s.statuses.size();
  s.feed(R"(42["scan:created",{}])");
  s.feed("2");
  s.close_transport();
  s.core.on_timer();
  s.advance(std::chrono::hours(10));
  EXPECT_EQ(s.events.size(), events);
  EXPECT_EQ(s.statuses.size(), statuses);
  EXPECT_TRUE(s.take_frames().empty());
  EXPECT_EQ(s.opens(), 1);
}

TEST(ClientCoreLifecycle, DisconnectWhileReconnectingCancelsTheBackoff) {
  ScriptedServer s;
  s.core.connect();
  s.close_transport();
  ASSERT_TRUE(s.timer().has_value());
  s.core.disconnect();
  s.pump();
  EXPECT_TRUE(std::holds_alternative<CancelTimer>(s.log().back()));
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::user));
  s.advance(std::chrono::hours(1));
  EXPECT_EQ(s.opens(), 1);
  EXPECT_TRUE(s.events_named("disconnect").empty());  // never connected
}

TEST(ClientCoreLifecycle, QueuedEmitsSurviveDisconnect) {
  ScriptedServer s;
  s.core.emit("e", "[1]");
  s.core.connect();
  s.core.disconnect();
  EXPECT_EQ(s.core.queued_count(), 1u);
  s.connect_fully();
  EXPECT_EQ(s.take_frames().back(), R"(42["e",1])");
}

TEST(ClientCoreLifecycle, OfflineStopsEverythingOnlineConnectsAtOnceWithBackoffReset) {
  ScriptedServer s;
  s.core.connect();
  s.close_transport();
  s.advance(Millis{1000});
  s.close_transport();
  EXPECT_EQ(s.core.status(), reconnecting(2, Millis{2000}));
  s.core.set_online(false);
  s.pump();
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::offline));
  EXPECT_FALSE(s.timer().has_value());
  s.advance(std::chrono::hours(4));
  EXPECT_EQ(s.opens(), 2);
  s.core.set_online(true);
  s.pump();
  EXPECT_EQ(s.opens(), 3);
  EXPECT_EQ(s.core.status(), connecting());
  s.close_transport();
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));  // reset
}

TEST(ClientCoreLifecycle, OfflineWhileConnected) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  s.core.set_online(false);
  s.pump();
  EXPECT_TRUE(s.take_frames().empty());  // no "41": the server may keep the session
  EXPECT_EQ(s.closes(), 1);
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::offline));
  EXPECT_EQ(s.events_named("disconnect").size(), 1u);
  s.core.set_online(false);  // no change: nothing
  s.core.set_online(true);
  s.complete_attempt();
  EXPECT_EQ(s.core.status(), connected());
  EXPECT_EQ(s.statuses, (std::vector<StatusInfo>{connecting(), connected(), disconnected(DisconnectReason::offline),
                                                 connecting(), connected()}));
}

TEST(ClientCoreLifecycle, ConnectWhileOfflineWaitsForTheNetwork) {
  ScriptedServer s;
  s.core.set_online(false);
  s.core.connect();
  s.pump();
  EXPECT_EQ(s.opens(), 0);
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::offline));
  s.core.set_online(true);
  s.pump();
  EXPECT_EQ(s.opens(), 1);
}

TEST(ClientCoreLifecycle, OnlineWithoutConnectDoesNothing) {
  ScriptedServer s;
  s.core.set_online(false);
  s.core.set_online(true);
  s.core.set_foreground(false);
  s.core.set_foreground(true);
  s.pump();
  EXPECT_EQ(s.opens(), 0);
  EXPECT_TRUE(s.statuses.empty());
}

TEST(ClientCoreLifecycle, BackgroundAndForeground) {
  ScriptedServer s;
  s.connect_fully();
  s.core.set_foreground(false);
  s.pump();
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::background));
  EXPECT_EQ(s.closes(), 1);
  EXPECT_FALSE(s.timer().has_value());
  s.advance(std::chrono::hours(1));
  EXPECT_EQ(s.opens(), 1);
  s.core.set_foreground(true);
  s.pump();
  EXPECT_EQ(s.opens(), 2);
  EXPECT_EQ(s.tokens_asked, 2);
  s.complete_attempt();
  EXPECT_EQ(s.events_named("connect").size(), 2u);  // the app catches up on this
}

TEST(ClientCoreLifecycle, OfflineWhileInBackgroundThenBack) {
  ScriptedServer s;
  s.connect_fully();
  s.core.set_foreground(false);
  s.core.set_online(false);
  s.core.set_foreground(true);  // still offline
  s.pump();
  EXPECT_EQ(s.opens(), 1);
  s.core.set_online(true);
  s.pump();
  EXPECT_EQ(s.opens(), 2);
}

TEST(ClientCoreLifecycle, GaveUpRevivesWhenTheNetworkComesBack) {
  ClientOptions o;
  o.backoff.max_attempts = 1;
  ScriptedServer s(o);
  s.core.connect();
  s.close_transport();
  s.advance(Millis{1000});
  s.close_transport();
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::gave_up));
  s.core.set_online(false);
  s.core.set_online(true);
  s.pump();
  EXPECT_EQ(s.opens(), 3);
}

TEST(ClientCoreLifecycle, DestroyingTheCoreNeverCallsBack) {
  int calls = 0;
  FakeClock clock;
  {
    auto core = std::make_unique<ClientCore>(ClientOptions{}, [] { return std::string("t"); },
                                             [&] { return clock.now(); });
    core->on("*", [&](const Event&) { ++calls; });
    core->on_status([&](const StatusInfo&) { ++calls; });
    core->connect();
    calls = 0;
    core->emit("e", "[]", [&](std::error_code, const std::vector<std::string_view>&) { ++calls; });
    core->on_transport_open();
    core->on_transport_text(R"(0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000})");
    core->on_transport_text(R"(40{"sid":"y"})");
    calls = 0;
    core.reset();
  }
  EXPECT_EQ(calls, 0);
}

TEST(ClientCoreLifecycle, TransportEventsOfAClosedTransportAreIgnored) {
  ScriptedServer s;
  s.core.connect();
  s.open_transport();
  s.core.disconnect();
  s.pump();
  s.core.on_transport_open();
  s.core.on_transport_closed("late");
  s.core.on_transport_binary("x");
  s.pump();
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::user));
  EXPECT_EQ(s.opens(), 1);
}

}  // namespace
}  // namespace scansync::client::testing
