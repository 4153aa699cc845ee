// Engine.IO heartbeat: pings answered, silence detected.
#include <gtest/gtest.h>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

TEST(ClientCoreHeartbeat, PingIsAnsweredWithPong) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  s.feed("2");
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{"3"}));
  s.feed("2probe");
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{"3probe"}));
}

TEST(ClientCoreHeartbeat, SilenceForIntervalPlusTimeoutMeansReconnect) {
  ScriptedServer s;
  s.core.connect();
  s.open_transport();
  s.handshake(1000, 500);
  s.accept();
  s.ack_join();
  s.advance(Millis{1499});
  EXPECT_EQ(s.core.status(), connected());
  s.advance(Millis{1});
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  EXPECT_EQ(s.closes(), 1);
  EXPECT_EQ(s.events_named("disconnect").back().args[0], "\"ping timeout\"");
}

TEST(ClientCoreHeartbeat, EachPingMovesTheDeadline) {
  ScriptedServer s;
  s.connect_fully();  // 25000 + 20000
  for (int i = 0; i < 10; ++i) {
    s.advance(Millis{25000});
    s.feed("2");
    ASSERT_EQ(*s.timer(), s.clock.t + Millis{45000});
  }
  EXPECT_EQ(s.core.status(), connected());
  s.advance(Millis{44999});
  EXPECT_EQ(s.core.status(), connected());
  s.advance(Millis{1});
  EXPECT_EQ(s.core.status().status, Status::reconnecting);
}

TEST(ClientCoreHeartbeat, WatchdogRunsWhileWaitingForTheConnectAck) {
  ClientOptions o;
  o.connect_timeout = Millis{60000};
  ScriptedServer s(o);
  s.core.connect();
  s.open_transport();
  s.handshake(1000, 1000);
  s.advance(Millis{2000});
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
}

TEST(ClientCoreHeartbeat, PingBeforeOpenIsAProtocolError) {
  ScriptedServer s;
  s.core.connect();
  s.open_transport();
  s.feed("2");
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_NE(s.events_named("error")[0].args[0].find("protocol_error"), std::string::npos);
}

}  // namespace
}  // namespace scansync::client::testing
