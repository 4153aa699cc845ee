// CONNECT_ERROR handling: token_expired, token_invalid, token_missing, others.
#include <gtest/gtest.h>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

constexpr std::string_view kExpired = R"(44{"message":"unauthorized","data":{"code":"token_expired"}})";
constexpr std::string_view kInvalid = R"(44{"message":"unauthorized","data":{"code":"token_invalid"}})";
constexpr std::string_view kMissing = R"(44{"message":"unauthorized","data":{"code":"token_missing"}})";

void start_and_handshake(ScriptedServer& s) {
  s.open_transport();
  s.handshake();
}

TEST(ClientCoreAuth, TokenExpiredRetriesOnceAtOnceWithAFreshToken) {
  ScriptedServer s;
  s.tokens = {"old", "fresh"};
  s.core.connect();
  start_and_handshake(s);
  s.take_frames();
  s.feed(kExpired);
  // At once: no timer wait, a new transport, a new token; status unchanged.
  EXPECT_EQ(s.closes(), 1);
  EXPECT_EQ(s.opens(), 2);
  EXPECT_EQ(s.tokens_asked, 2);
  EXPECT_EQ(s.core.status(), connecting());
  EXPECT_TRUE(s.events_named("error").empty());
  start_and_handshake(s);
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(40{"token":"fresh"})"}));
  s.accept();
  EXPECT_EQ(s.core.status(), connected());
  EXPECT_EQ(s.statuses, (std::vector<StatusInfo>{connecting(), connected()}));
}

TEST(ClientCoreAuth, SecondTokenExpiredInARowIsUnauthorized) {
  ScriptedServer s;
  s.core.connect();
  start_and_handshake(s);
  s.feed(kExpired);
  start_and_handshake(s);
  s.feed(kExpired);
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::unauthorized));
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_NE(s.events_named("error")[0].args[0].find(R"("code":"token_expired")"), std::string::npos);
  EXPECT_EQ(s.opens(), 2);
  s.advance(std::chrono::hours(3));
  EXPECT_EQ(s.opens(), 2);
}

TEST(ClientCoreAuth, TokenExpiredRetryIsAvailableAgainAfterASuccess) {
  ScriptedServer s;
  s.core.connect();
  start_and_handshake(s);
  s.feed(kExpired);
  start_and_handshake(s);
  s.accept();
  s.ack_join();
  s.close_transport();
  s.advance(Millis{1000});
  start_and_handshake(s);
  s.feed(kExpired);
  EXPECT_EQ(s.opens(), 4);  // retried at once again
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
}

TEST(ClientCoreAuth, TokenInvalidStopsForGood) {
  ScriptedServer s;
  s.core.connect();
  start_and_handshake(s);
  s.feed(kInvalid);
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::unauthorized));
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_EQ(s.events_named("error")[0].args,
            (std::vector<std::string>{R"({"code":"token_invalid","message":"unauthorized"})"}));
  EXPECT_EQ(s.closes(), 1);
  EXPECT_FALSE(s.timer().has_value());
  // Hours of fake time, network flaps, foreground changes: no new attempt.
  s.advance(std::chrono::hours(6));
  s.core.set_online(false);
  s.core.set_online(true);
  s.core.set_foreground(false);
  s.core.set_foreground(true);
  s.advance(std::chrono::hours(6));
  EXPECT_EQ(s.opens(), 1);
  EXPECT_EQ(s.tokens_asked, 1);
  EXPECT_TRUE(s.events_named("disconnect").empty());  // it never connected
  // Only the user can try again.
  s.core.connect();
  s.pump();
  EXPECT_EQ(s.opens(), 2);
}

TEST(ClientCoreAuth, TokenMissingSwitchesToTheQueryOnce) {
  ScriptedServer s;
  s.tokens = {"a.b c", "second", "third"};
  s.core.connect();
  start_and_handshake(s);
  s.feed(kMissing);
  EXPECT_EQ(s.opens(), 2);
  EXPECT_EQ(s.last_query(), "EIO=4&transport=websocket&token=second");
  EXPECT_EQ(s.core.status(), connecting());
  start_and_handshake(s);
  s.take_frames();
  s.feed(kMissing);  // still missing with the query too: give up
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::unauthorized));
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_NE(s.events_named("error")[0].args[0].find(R"("code":"token_missing")"), std::string::npos);
  EXPECT_EQ(s.opens(), 2);
}

TEST(ClientCoreAuth, QueryFallbackStaysForLaterConnects) {
  ScriptedServer s;
  s.tokens = {"t0", "t 1", "t2"};
  s.core.connect();
  start_and_handshake(s);
  s.feed(kMissing);
  EXPECT_EQ(s.last_query(), "EIO=4&transport=websocket&token=t%201");
  start_and_handshake(s);
  s.accept();
  s.ack_join();
  s.close_transport();
  s.advance(Millis{1000});
  EXPECT_EQ(s.last_query(), "EIO=4&transport=websocket&token=t2");
}

TEST(ClientCoreAuth, TokenMissingWithAnEmptyTokenIsUnauthorized) {
  ScriptedServer s;
  s.tokens = {""};
  s.core.connect();
  start_and_handshake(s);
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{"40{}"}));
  s.feed(kMissing);
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::unauthorized));
  EXPECT_EQ(s.opens(), 1);
}

TEST(ClientCoreAuth, OtherUnauthorizedCodesStop) {
  ScriptedServer s;
  s.core.connect();
  start_and_handshake(s);
  s.feed(R"(44{"message":"unauthorized","data":{"code":"user_banned"}})");
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::unauthorized));
  EXPECT_NE(s.events_named("error")[0].args[0].find("user_banned"), std::string::npos);
}

TEST(ClientCoreAuth, NonAuthRefusalGoesThroughBackoff) {
  ScriptedServer s;
  s.core.connect();
  start_and_handshake(s);
  s.feed(R"(44{"message":"server full"})");
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_EQ(s.events_named("error")[0].args,
            (std::vector<std::string>{R"({"code":"connect_error","message":"server full"})"}));
  s.advance(Millis{1000});
  EXPECT_EQ(s.opens(), 2);
}

TEST(ClientCoreAuth, ConnectErrorWhileConnectedIsIgnored) {
  ScriptedServer s;
  s.connect_fully();
  s.feed(kInvalid);
  EXPECT_EQ(s.core.status(), connected());
}

}  // namespace
}  // namespace scansync::client::testing
