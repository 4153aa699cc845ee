// Connecting, the room join, reconnecting with backoff, recovery.
#include <algorithm>
#include <gtest/gtest.h>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

TEST(ClientCoreConnect, HappyPathWireAndStatus) {
  ScriptedServer s;
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::none));
  s.core.connect();
  s.pump();
  EXPECT_EQ(s.core.status(), connecting());
  EXPECT_EQ(s.opens(), 1);
  EXPECT_EQ(s.last_query(), "EIO=4&transport=websocket");
  EXPECT_EQ(s.tokens_asked, 1);
  ASSERT_TRUE(s.timer().has_value());  // connect timeout
  EXPECT_EQ(*s.timer(), s.clock.t + Millis{20000});

  s.open_transport();
  EXPECT_TRUE(s.take_frames().empty());  // waits for the Engine.IO OPEN
  s.handshake();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(40{"token":"tok0"})"}));
  s.accept("abc");
  EXPECT_EQ(s.core.status(), connected());
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(420["room:join",{}])"}));
  EXPECT_EQ(s.event_names(), (std::vector<std::string>{"connect"}));
  EXPECT_TRUE(s.events[0].args.empty());
  EXPECT_FALSE(s.core.recovered());
  s.ack_join();
  EXPECT_TRUE(s.take_frames().empty());
  EXPECT_EQ(s.statuses, (std::vector<StatusInfo>{connecting(), connected()}));
  // Only the heartbeat watchdog remains: pingInterval + pingTimeout from OPEN.
  ASSERT_TRUE(s.timer().has_value());
  EXPECT_EQ(*s.timer(), s.clock.t + Millis{45000});
}

TEST(ClientCoreConnect, NamespaceIsUsedOnTheWire) {
  ClientOptions o;
  o.nsp = "/scans";
  ScriptedServer s(o);
  s.core.connect();
  s.open_transport();
  s.handshake();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(40/scans,{"token":"tok0"})"}));
  s.feed(R"(40{"sid":"x"})");  // the main namespace: not ours
  EXPECT_EQ(s.core.status(), connecting());
  s.feed(R"(40/scans,{"sid":"x"})");
  EXPECT_EQ(s.core.status(), connected());
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(42/scans,0["room:join",{}])"}));
  s.feed(R"(42["scan:created",{}])");  // other namespace: ignored
  s.feed(R"(43/scans,0[{"ok":true}])");
  s.feed(R"(42/scans,["scan:created",{"id":"1"}])");
  ASSERT_EQ(s.events_named("scan:created").size(), 1u);
  EXPECT_EQ(s.events_named("scan:created")[0].args, (std::vector<std::string>{R"({"id":"1"})"}));
}

TEST(ClientCoreConnect, WithoutJoinRoomEmitsGoOutOnConnect) {
  ClientOptions o;
  o.join_room = false;
  ScriptedServer s(o);
  s.core.emit("a", "[1]");
  s.core.connect();
  s.open_transport();
  s.handshake();
  s.take_frames();
  s.accept();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(42["a",1])"}));
}

TEST(ClientCoreConnect, ConnectTwiceIsHarmless) {
  ScriptedServer s;
  s.core.connect();
  s.core.connect();
  s.pump();
  EXPECT_EQ(s.opens(), 1);
  s.complete_attempt();
  s.core.connect();
  s.pump();
  EXPECT_EQ(s.opens(), 1);
  EXPECT_EQ(s.core.status(), connected());
}

TEST(ClientCoreConnect, BackoffScheduleThenGaveUp) {
  ScriptedServer s;
  s.core.connect();
  s.close_transport();  // the first connect fails
  std::vector<long> delays;
  for (int attempt = 1; attempt <= 10; ++attempt) {
    ASSERT_EQ(s.core.status().status, Status::reconnecting);
    EXPECT_EQ(s.core.status().attempt, attempt);
    delays.push_back(static_cast<long>(s.core.status().next_delay.count()));
    const int opens = s.opens();
    // Nothing happens a millisecond early...
    s.advance(s.core.status().next_delay - Millis{1});
    EXPECT_EQ(s.opens(), opens);
    // ...and the attempt starts exactly at the delay.
    s.advance(Millis{1});
    EXPECT_EQ(s.opens(), opens + 1);
    s.close_transport();
  }
  EXPECT_EQ(delays, (std::vector<long>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000}));
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::gave_up));
  EXPECT_EQ(s.opens(), 11);  // the first connect and 10 reconnect attempts
  EXPECT_FALSE(s.timer().has_value());
  s.advance(std::chrono::hours(5));
  EXPECT_EQ(s.opens(), 11);
  // connect() starts over.
  s.core.connect();
  s.pump();
  EXPECT_EQ(s.opens(), 12);
  EXPECT_EQ(s.core.status(), connecting());
}

TEST(ClientCoreConnect, SuccessResetsTheBackoff) {
  ScriptedServer s;
  s.core.connect();
  s.close_transport();
  s.advance(Millis{1000});
  s.close_transport();
  s.advance(Millis{2000});
  s.close_transport();
  EXPECT_EQ(s.core.status(), reconnecting(3, Millis{4000}));
  s.advance(Millis{4000});
  s.complete_attempt();
  EXPECT_EQ(s.core.status(), connected());
  s.close_transport();
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
}

TEST(ClientCoreConnect, ConfigurableBackoffAndJitter) {
  ClientOptions o;
  o.backoff.initial = Millis{500};
  o.backoff.max = Millis{1500};
  o.backoff.max_attempts = 3;
  ScriptedServer s(o);
  s.core.connect();
  std::vector<StatusInfo> seen;
  for (int i = 0; i < 4; ++i) {
    s.close_transport();
    seen.push_back(s.core.status());
    s.advance(s.core.status().next_delay);
  }
  EXPECT_EQ(seen, (std::vector<StatusInfo>{reconnecting(1, Millis{500}), reconnecting(2, Millis{1000}),
                                           reconnecting(3, Millis{1500}), disconnected(DisconnectReason::gave_up)}));

  ClientOptions j;
  j.backoff.jitter = 0.5;
  j.seed = 1234;
  ScriptedServer t(j);
  t.core.connect();
  for (int attempt = 1; attempt <= 10; ++attempt) {
    t.close_transport();
    const auto base = std::min<long>(1000L << (attempt - 1), 30000);
    const auto d = static_cast<long>(t.core.status().next_delay.count());
    EXPECT_LE(d, base);
    EXPECT_GE(d, base / 2);
    // The reconnect timer honours the jittered delay exactly.
    EXPECT_EQ(*t.timer(), t.clock.t + t.core.status().next_delay);
    t.advance(t.core.status().next_delay);
  }
}

TEST(ClientCoreConnect, TokenAskedAtEveryAttempt) {
  ScriptedServer s;
  s.tokens = {"first", "second", "third"};
  s.core.connect();
  s.open_transport();
  s.handshake();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(40{"token":"first"})"}));
  s.close_transport();
  EXPECT_EQ(s.tokens_asked, 1);
  s.advance(Millis{1000});
  EXPECT_EQ(s.tokens_asked, 2);
  s.open_transport();
  s.handshake();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(40{"token":"second"})"}));
  s.accept();
  s.ack_join();
  s.take_frames();
  s.close_transport();
  s.advance(Millis{1000});
  EXPECT_EQ(s.tokens_asked, 3);
  s.open_transport();
  s.handshake();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(40{"token":"third"})"}));
}

TEST(ClientCoreConnect, ConnectTimeoutCountsAsAFailedAttempt) {
  ScriptedServer s;
  s.core.connect();
  s.open_transport();
  s.handshake();  // but the server never answers CONNECT
  s.advance(Millis{19999});
  EXPECT_EQ(s.core.status(), connecting());
  s.advance(Millis{1});
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  EXPECT_EQ(s.closes(), 1);
  EXPECT_TRUE(s.events_named("disconnect").empty());  // never connected
}

TEST(ClientCoreConnect, LostConnectionReportsDisconnect) {
  ScriptedServer s;
  s.connect_fully();
  s.close_transport("reset by peer");
  ASSERT_EQ(s.events_named("disconnect").size(), 1u);
  EXPECT_EQ(s.events_named("disconnect")[0].args, (std::vector<std::string>{"\"transport close\""}));
  EXPECT_EQ(s.closes(), 0);  // the adapter reported the close: nothing to close
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  s.advance(Millis{1000});
  s.complete_attempt();
  EXPECT_EQ(s.events_named("connect").size(), 2u);
}

TEST(ClientCoreConnect, EngineIoCloseIsALostConnection) {
  ScriptedServer s;
  s.connect_fully();
  s.feed("1");
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  EXPECT_EQ(s.closes(), 1);
  EXPECT_EQ(s.events_named("disconnect").back().args[0], "\"transport close\"");
}

TEST(ClientCoreConnect, ServerDisconnectIsFinal) {
  ScriptedServer s;
  s.connect_fully();
  s.feed("41");
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::server));
  EXPECT_EQ(s.events_named("disconnect").back().args[0], "\"io server disconnect\"");
  EXPECT_EQ(s.closes(), 1);
  EXPECT_FALSE(s.timer().has_value());
  s.advance(std::chrono::hours(2));
  EXPECT_EQ(s.opens(), 1);
  // Online/foreground changes do not revive it either; connect() does.
  s.core.set_online(false);
  s.core.set_online(true);
  s.pump();
  EXPECT_EQ(s.opens(), 1);
  s.core.connect();
  s.pump();
  EXPECT_EQ(s.opens(), 2);
}

TEST(ClientCoreRecovery, PidAndOffsetOnReconnectAndOffsetStripped) {
  ScriptedServer s;
  s.connect_fully("pid-1");
  EXPECT_FALSE(s.core.recovered());
  s.feed(R"(42["scan:created",{"id":"a"},"offset-1"])");
  s.feed(R"(42["scan:deleted",{"id":"b"},"offset-2"])");
  ASSERT_EQ(s.events_named("scan:created").size(), 1u);
  EXPECT_EQ(s.events_named("scan:created")[0].args, (std::vector<std::string>{R"({"id":"a"})"}));
  EXPECT_EQ(s.events_named("scan:deleted")[0].args, (std::vector<std::string>{R"({"id":"b"})"}));
  s.close_transport();
  s.advance(Millis{1000});
  s.open_transport();
  s.handshake();
  EXPECT_EQ(s.take_frames().back(), R"(40{"token":"tok1","pid":"pid-1","offset":"offset-2"})");
  s.accept("sid2", "pid-1");
  EXPECT_TRUE(s.core.recovered());
  s.ack_join();
  // The server could not restore: a new pid.
  s.close_transport();
  s.advance(Millis{1000});
  s.open_transport();
  s.handshake();
  s.accept("sid3", "pid-2");
  EXPECT_FALSE(s.core.recovered());
}

// socket.io 4.x replays a recovered session's missed packets BEFORE its
// CONNECT ack; they must reach subscribers after "connect", offsets stripped.
TEST(ClientCoreRecovery, EventsBeforeTheConnectAckAreDeliveredAfterConnect) {
  ScriptedServer s;
  s.connect_fully("pid-1");
  s.close_transport();
  s.advance(Millis{1000});
  s.open_transport();
  s.handshake();
  s.feed(R"(42["scan:created",{"id":"missed-1"},"offset-7"])");
  s.feed(R"(42["scan:created",{"id":"missed-2"},"offset-8"])");
  EXPECT_TRUE(s.events_named("scan:created").empty());
  s.accept("sid2", "pid-1");
  const auto events = s.event_names();
  const auto connect_at = std::find(events.rbegin(), events.rend(), "connect");
  ASSERT_NE(connect_at, events.rend());
  ASSERT_EQ(s.events_named("scan:created").size(), 2u);
  EXPECT_EQ(s.events_named("scan:created")[1].args, (std::vector<std::string>{R"({"id":"missed-2"})"}));
  EXPECT_EQ(events.back(), "scan:created");  // after "connect"
  // The replayed offsets count: the next recovery resumes after them.
  s.ack_join();
  s.close_transport();
  s.advance(Millis{1000});
  s.open_transport();
  s.handshake();
  const std::string frame = s.take_frames().back();
  EXPECT_NE(frame.find(R"("pid":"pid-1","offset":"offset-8"})"), std::string::npos) << frame;
}

TEST(ClientCoreRecovery, EventsBeforeARefusedConnectAreDropped) {
  ScriptedServer s;
  s.core.connect();
  s.open_transport();
  s.handshake();
  s.feed(R"(42["scan:created",{"id":"x"}])");
  s.close_transport();  // the attempt fails before any CONNECT ack
  s.advance(Millis{1000});
  s.complete_attempt();
  EXPECT_TRUE(s.events_named("scan:created").empty());
}

TEST(ClientCoreRecovery, WithoutPidNothingIsStripped) {
  ScriptedServer s;
  s.connect_fully();
  s.feed(R"(42["scan:created",{"id":"a"},"looks-like-an-offset"])");
  EXPECT_EQ(s.events_named("scan:created")[0].args.size(), 2u);
  s.close_transport();
  s.advance(Millis{1000});
  s.open_transport();
  s.handshake();
  EXPECT_EQ(s.take_frames().back(), R"(40{"token":"tok1"})");
}

TEST(ClientCoreRecovery, NoOffsetYetSendsPidOnly) {
  ScriptedServer s;
  s.connect_fully("p");
  s.feed(R"(42["only-name"])");
  EXPECT_EQ(s.events_named("only-name").size(), 1u);
  s.close_transport();
  s.advance(Millis{1000});
  s.open_transport();
  s.handshake();
  EXPECT_EQ(s.take_frames().back(), R"(40{"token":"tok1","pid":"p"})");
}

}  // namespace
}  // namespace scansync::client::testing
