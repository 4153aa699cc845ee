#include "gateway/engine_session.h"

#include <gtest/gtest.h>

#include <vector>

namespace scansync::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint t0{};

EngineConfig config() {
  EngineConfig c;
  c.ping_interval = 300ms;
  c.ping_timeout = 200ms;
  c.upgrade_timeout = 1000ms;
  c.max_payload = 100;
  c.max_write_queue_bytes = 1000;
  return c;
}

struct Recorder : EngineUpper {
  std::vector<std::pair<std::string, bool>> messages;
  std::vector<std::string> closes;
  void on_message(std::string_view data, bool binary, TimePoint) override { messages.emplace_back(data, binary); }
  void on_close(std::string_view reason) override { closes.emplace_back(reason); }
};

std::string take_text(EngineSession& s, std::uint64_t channel) {
  auto f = s.take_ws_frame(channel);
  return f ? *f->bytes : std::string("<none>");
}

TEST(EngineSession, PollingHandshakeBodyIsTheOpenPacket) {
  EngineSession s("sid1", TransportKind::polling, config(), t0);
  EXPECT_EQ(s.on_poll_get(t0), GetVerdict::respond);
  EXPECT_EQ(s.take_poll_body(),
            R"(0{"sid":"sid1","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":100})");
}

TEST(EngineSession, WebSocketHandshakeOffersNoUpgrade) {
  EngineSession s("sid1", TransportKind::websocket, config(), t0, 7);
  EXPECT_EQ(take_text(s, 7), R"(0{"sid":"sid1","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":100})");
  EXPECT_FALSE(s.take_ws_frame(7));
  EXPECT_FALSE(s.take_ws_frame(8)) << "a stranger channel gets nothing";
}

TEST(EngineSession, PollParksUntilAMessageIsSent) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  int wakes = 0;
  s.set_wake([&] { ++wakes; });
  ASSERT_EQ(s.on_poll_get(t0), GetVerdict::respond);
  s.take_poll_body();
  EXPECT_EQ(s.on_poll_get(t0), GetVerdict::park);
  EXPECT_FALSE(s.poll_ready());
  s.send(text_frame("4a"));
  s.send(binary_frame(std::string("\x01\x02\x03\x04", 4)));
  EXPECT_EQ(wakes, 2);
  ASSERT_TRUE(s.poll_ready());
  EXPECT_EQ(s.take_poll_body(), "4a\x1e" "bAQIDBA==");
}

TEST(EngineSession, PostDeliversMessagesUpward) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  Recorder r;
  s.set_upper(&r);
  EXPECT_EQ(s.on_poll_post("4hello\x1e" "bAQIDBA==", false, t0), PostStatus::ok);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0], std::make_pair(std::string("hello"), false));
  EXPECT_EQ(r.messages[1], std::make_pair(std::string("\x01\x02\x03\x04", 4), true));
}

TEST(EngineSession, MalformedPostClosesTheSession) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  Recorder r;
  s.set_upper(&r);
  EXPECT_EQ(s.on_poll_post("abc", false, t0), PostStatus::bad_request);
  EXPECT_TRUE(s.closed());
  ASSERT_EQ(r.closes.size(), 1u);
  EXPECT_EQ(r.closes[0], "parse error");
}

TEST(EngineSession, OversizedPostIs413AndCloses) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  EXPECT_EQ(s.on_poll_post("4" + std::string(200, 'x'), false, t0), PostStatus::payload_too_large);
  EXPECT_TRUE(s.closed());
}

TEST(EngineSession, BeforeAdmissionMessagesAreSmall) {
  EngineConfig c = config();
  c.max_pre_admission_payload = 10;
  EngineSession s("sid", TransportKind::polling, c, t0);
  EXPECT_EQ(s.message_limit(), 10u);
  EXPECT_EQ(s.on_poll_post("4" + std::string(10, 'x'), false, t0), PostStatus::payload_too_large);
  EXPECT_TRUE(s.closed());

  EngineSession admitted("sid2", TransportKind::polling, c, t0);
  admitted.admit();
  EXPECT_TRUE(admitted.admitted());
  EXPECT_EQ(admitted.message_limit(), 100u);
  EXPECT_EQ(admitted.on_poll_post("4" + std::string(50, 'x'), false, t0), PostStatus::ok);
  EXPECT_FALSE(admitted.closed());
}

TEST(EngineSession, NoPreAdmissionLimitMeansMaxPayload) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  EXPECT_EQ(s.message_limit(), 100u);
}

TEST(EngineSession, BinaryContentTypeIsRefused) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  EXPECT_EQ(s.on_poll_post("4x", true, t0), PostStatus::bad_request);
  EXPECT_TRUE(s.closed());
}

TEST(EngineSession, SecondConcurrentGetClosesAndTheFirstGetsClose) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  s.on_poll_get(t0);
  s.take_poll_body();
  ASSERT_EQ(s.on_poll_get(t0), GetVerdict::park);
  EXPECT_EQ(s.on_poll_get(t0), GetVerdict::reject);
  EXPECT_TRUE(s.closed());
  ASSERT_TRUE(s.poll_ready());
  EXPECT_EQ(s.take_poll_body(), "1");
}

TEST(EngineSession, ClientCloseViaPostAnswersTheParkedPollWithNoop) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  s.on_poll_get(t0);
  s.take_poll_body();
  ASSERT_EQ(s.on_poll_get(t0), GetVerdict::park);
  EXPECT_EQ(s.on_poll_post("1", false, t0), PostStatus::ok);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(s.close_reason(), "transport close");
  EXPECT_EQ(s.take_poll_body(), "6");
}

TEST(EngineSession, AbortedPollClosesTheSession) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  s.on_poll_get(t0);
  s.take_poll_body();
  ASSERT_EQ(s.on_poll_get(t0), GetVerdict::park);
  s.on_poll_aborted();
  EXPECT_TRUE(s.closed());
}

TEST(EngineSession, HeartbeatPingsAndAcceptsPong) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  take_text(s, 1);
  EXPECT_EQ(s.next_deadline(), t0 + 300ms);
  s.on_tick(t0 + 299ms);
  EXPECT_FALSE(s.take_ws_frame(1));
  s.on_tick(t0 + 300ms);
  EXPECT_EQ(take_text(s, 1), "2");
  EXPECT_EQ(s.next_deadline(), t0 + 500ms);
  s.on_ws_frame(1, "3", false, t0 + 450ms);
  EXPECT_EQ(s.next_deadline(), t0 + 750ms) << "next ping one interval after the pong";
  s.on_tick(t0 + 600ms);
  EXPECT_FALSE(s.closed());
}

TEST(EngineSession, NoPongWithinTimeoutCloses) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  Recorder r;
  s.set_upper(&r);
  s.on_tick(t0 + 300ms);
  s.on_tick(t0 + 499ms);
  EXPECT_FALSE(s.closed());
  s.on_tick(t0 + 500ms);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(s.close_reason(), "ping timeout");
  EXPECT_EQ(r.closes, std::vector<std::string>{"ping timeout"});
  EXPECT_FALSE(s.next_deadline());
}

TEST(EngineSession, PollingRequestAfterPingTimeoutSeesAClosedSession) {
  // The timer may not have fired yet when a late request arrives: the
  // request applies the clock first.
  EngineSession s("sid", TransportKind::polling, config(), t0);
  s.on_tick(t0 + 300ms);  // PING queued; no GET to carry it
  EXPECT_EQ(s.on_poll_get(t0 + 501ms), GetVerdict::reject);
  EXPECT_TRUE(s.closed());
}

TEST(EngineSession, ClientPingIsAProtocolError) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  s.on_ws_frame(1, "2", false, t0);
  EXPECT_TRUE(s.closed());
}

TEST(EngineSession, MalformedWebSocketFrameCloses) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  s.on_ws_frame(1, "abc", false, t0);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(s.close_reason(), "parse error");
  EXPECT_FALSE(s.ws_channel_alive(1));
}

TEST(EngineSession, WebSocketMessagesGoUpward) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  Recorder r;
  s.set_upper(&r);
  s.on_ws_frame(1, "4hi", false, t0);
  s.on_ws_frame(1, "\x01", true, t0);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].first, "hi");
  EXPECT_TRUE(r.messages[1].second);
}

TEST(EngineSession, UpgradeProbeThenUpgrade) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  s.on_poll_get(t0);
  s.take_poll_body();
  ASSERT_EQ(s.on_poll_get(t0), GetVerdict::park);
  ASSERT_TRUE(s.begin_upgrade(9, t0));
  EXPECT_TRUE(s.upgrading());
  EXPECT_FALSE(s.begin_upgrade(10, t0)) << "one upgrade at a time";
  EXPECT_FALSE(s.poll_ready());
  s.on_ws_frame(9, "2probe", false, t0);
  EXPECT_EQ(take_text(s, 9), "3probe");
  ASSERT_TRUE(s.poll_ready()) << "the pending poll is ended with a NOOP";
  EXPECT_EQ(s.take_poll_body(), "6");
  s.send(text_frame("4queued"));
  s.on_ws_frame(9, "5", false, t0);
  EXPECT_TRUE(s.upgraded());
  EXPECT_EQ(s.transport(), TransportKind::websocket);
  EXPECT_EQ(take_text(s, 9), "4queued");
  EXPECT_FALSE(s.begin_upgrade(11, t0)) << "already upgraded";
  EXPECT_TRUE(s.ws_channel_alive(9));
}

TEST(EngineSession, UnexpectedPacketDuringProbeDropsTheProbeOnly) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  ASSERT_TRUE(s.begin_upgrade(9, t0));
  s.on_ws_frame(9, "4hello", false, t0);
  EXPECT_FALSE(s.ws_channel_alive(9));
  EXPECT_FALSE(s.closed());
  EXPECT_EQ(s.transport(), TransportKind::polling);
  EXPECT_TRUE(s.begin_upgrade(10, t0)) << "a new attempt is allowed";
}

TEST(EngineSession, UpgradeTimesOut) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  ASSERT_TRUE(s.begin_upgrade(9, t0));
  s.on_ws_frame(9, "2probe", false, t0);
  // Keep the session itself alive with pongs while the upgrade stalls.
  s.on_tick(t0 + 300ms);
  s.on_poll_post("3", false, t0 + 310ms);
  s.on_tick(t0 + 1000ms);
  EXPECT_FALSE(s.upgrading());
  EXPECT_FALSE(s.ws_channel_alive(9));
  EXPECT_FALSE(s.closed());
}

TEST(EngineSession, ProbeSocketClosingAbortsTheUpgradeOnly) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  ASSERT_TRUE(s.begin_upgrade(9, t0));
  s.on_ws_closed(9);
  EXPECT_FALSE(s.upgrading());
  EXPECT_FALSE(s.closed());
}

TEST(EngineSession, ActiveWebSocketClosingClosesTheSession) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  s.on_ws_closed(1);
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(s.close_reason(), "transport close");
}

TEST(EngineSession, WriteQueueOverflowCloses) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  Recorder r;
  s.set_upper(&r);
  for (int i = 0; i < 20 && !s.closed(); ++i) s.send(text_frame("4" + std::string(99, 'x')));
  EXPECT_TRUE(s.closed());
  EXPECT_EQ(s.close_reason(), "write queue overflow");
  EXPECT_TRUE(s.aborted());  // the adapter closes the socket instead of draining
}

TEST(EngineSession, AServerCloseIsNotAnAbort) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  s.close("server shutting down");
  EXPECT_FALSE(s.aborted());
}

TEST(EngineSession, ServerCloseDrainsWebSocketThenEndsIt) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  take_text(s, 1);
  s.send(text_frame("41"));
  s.close("server shutting down");
  EXPECT_FALSE(s.ws_channel_alive(1));
  EXPECT_EQ(take_text(s, 1), "41") << "queued packets still go out";
  s.send(text_frame("4late"));
  EXPECT_FALSE(s.take_ws_frame(1)) << "nothing is queued after close";
}

TEST(EngineSession, ServerCloseEndsParkedPollWithQueuedPacketsAndClose) {
  EngineSession s("sid", TransportKind::polling, config(), t0);
  s.on_poll_get(t0);
  s.take_poll_body();
  s.on_poll_get(t0);
  s.send(text_frame("41"));
  s.close("server shutting down");
  EXPECT_EQ(s.take_poll_body(), "41\x1e" "1");
}

TEST(EngineSession, NothingReachesTheUpperLayerAfterClose) {
  EngineSession s("sid", TransportKind::websocket, config(), t0, 1);
  Recorder r;
  s.set_upper(&r);
  s.close("x");
  s.on_ws_frame(1, "4late", false, t0);
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(r.closes.size(), 1u);
}

}  // namespace
}  // namespace scansync::gateway
