// WebClient natively, with browser_imports.h played by a fake browser that
// records every call: the glue between the driver, the feed and the JS side.
#include "web_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "browser_imports.h"

namespace {

struct FakeBrowser {
  double now_ms = 1000;
  std::string token = "tok";
  std::vector<std::string> opened;  // queries
  std::vector<double> open_ids;
  std::vector<std::string> sent;
  std::vector<std::string> closed;  // "close" / "abort"
  std::vector<double> timers;
  int cancels = 0;
  std::vector<std::string> statuses;  // "status/attempt/delay/reason"
  std::vector<std::string> events;    // "name args"
  std::vector<std::string> acks;      // "id/error args"
  const char* last_arg = nullptr;     // ss_event_arg's pointer
};
FakeBrowser* browser = nullptr;

}  // namespace

extern "C" {
double ss_now() { return browser->now_ms; }
void ss_open(ClientHandle, double id, const char* q, std::size_t n) {
  browser->opened.emplace_back(q, n);
  browser->open_ids.push_back(id);
}
void ss_send(ClientHandle, double, const char* p, std::size_t n) { browser->sent.emplace_back(p, n); }
void ss_close(ClientHandle, double, int abort) { browser->closed.push_back(abort ? "abort" : "close"); }
void ss_arm_timer(ClientHandle, double deadline_ms) { browser->timers.push_back(deadline_ms); }
void ss_cancel_timer(ClientHandle) { ++browser->cancels; }
char* ss_token(ClientHandle) {
  char* t = static_cast<char*>(std::malloc(browser->token.size() + 1));
  std::memcpy(t, browser->token.c_str(), browser->token.size() + 1);
  return t;
}
void ss_status(ClientHandle, int status, int attempt, double delay, int reason) {
  browser->statuses.push_back(std::to_string(status) + "/" + std::to_string(attempt) + "/" +
                              std::to_string(static_cast<int>(delay)) + "/" + std::to_string(reason));
}
void ss_event(ClientHandle, const char* name, std::size_t nn, const char* args, std::size_t an) {
  browser->events.push_back(std::string(name, nn) + " " + std::string(args, an));
}
void ss_event_arg(ClientHandle, const char* name, std::size_t nn, const char* arg, std::size_t an) {
  browser->last_arg = arg;
  browser->events.push_back(std::string(name, nn) + " [" + std::string(arg, an) + "]");
}
void ss_ack(ClientHandle, double id, int error, const char* args, std::size_t an) {
  browser->acks.push_back(std::to_string(static_cast<int>(id)) + "/" + std::to_string(error) + " " +
                          std::string(args, an));
}
}

namespace scansync::web {
namespace {

std::string scan(int seq, const std::string& id) {
  return R"({"id":")" + id + R"(","userId":"alice","code":"c","format":"qr","deviceId":"d",)" +
         R"("createdAt":"2026-11-26T00:00:00.000Z","seq":)" + std::to_string(seq) + "}";
}

class WebClientTest : public ::testing::Test {
 protected:
  void SetUp() override { browser = &b; }
  void TearDown() override { browser = nullptr; }

  // Connects through the handshake, CONNECT and the room join.
  void connect(WebClient& c) {
    c.driver().connect();
    ASSERT_EQ(b.opened.size(), 1u);
    tid = static_cast<client::TransportId>(b.open_ids.back());
    c.driver().transport_opened(tid);
    c.driver().transport_text(tid, R"(0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
    c.driver().transport_text(tid, R"(40{"sid":"s"})");
    ASSERT_EQ(b.sent.back(), R"(420["room:join",{}])");
    c.driver().transport_text(tid, R"(430[{"ok":true,"room":"user:alice"}])");
  }

  FakeBrowser b;
  client::TransportId tid = 0;
};

TEST_F(WebClientTest, ConnectsThroughTheBrowserSocketAndPublishesStatusAndConnect) {
  WebClient c(WebOptions{});
  connect(c);
  EXPECT_EQ(b.opened[0], "EIO=4&transport=websocket");
  EXPECT_EQ(b.sent[0], R"(40{"token":"tok"})");
  ASSERT_FALSE(b.statuses.empty());
  EXPECT_EQ(b.statuses.front(), "0/0/0/0");  // connecting
  EXPECT_EQ(b.statuses.back(), "1/0/0/0");   // connected
  EXPECT_EQ(b.events.front(), "connect []");
  // The connect timeout was armed on the browser's clock (ms).
  ASSERT_FALSE(b.timers.empty());
  EXPECT_DOUBLE_EQ(b.timers.front(), 1000 + 20000);
}

TEST_F(WebClientTest, CatchUpAndLiveEventsReachTheJsSideOnceInSeqOrder) {
  WebClient c(WebOptions{});
  connect(c);
  ASSERT_EQ(b.sent.back(), R"(421["sync:since",{"seq":0,"limit":500}])");
  c.driver().transport_text(tid, R"(431[{"ok":true,"changes":[{"op":"created","scan":)" + scan(1, "a") +
                                     R"(}],"latestSeq":1,"epoch":"e1","hasMore":false}])");
  c.driver().transport_text(tid, R"(42["scan:created",)" + scan(1, "a") + "]");  // the same change, live
  c.driver().transport_text(tid, R"(42["scan:created",)" + scan(2, "b") + "]");
  std::vector<std::string> scans;
  for (auto& e : b.events) {
    if (e.rfind("scan:", 0) == 0) scans.push_back(e);
  }
  ASSERT_EQ(scans.size(), 2u);
  EXPECT_EQ(scans[0], "scan:created [" + scan(1, "a") + "]");
  EXPECT_EQ(scans[1], "scan:created [" + scan(2, "b") + "]");
  ASSERT_NE(c.feed(), nullptr);
  EXPECT_EQ(c.feed()->last_seq(), 2);
  EXPECT_EQ(c.feed()->epoch(), "e1");
}

// scansync.js slices such an argument from the frame's own JS string: the
// pointer must lie inside the text that was fed, not in a copy.
TEST_F(WebClientTest, ALiveScanIsHandedOutAsAViewIntoTheFedFrame) {
  WebClient c(WebOptions{});
  connect(c);
  c.driver().transport_text(tid, R"(431[{"ok":true,"changes":[],"latestSeq":0,"epoch":"e1","hasMore":false}])");
  const std::string frame = R"(42["scan:created",)" + scan(1, "a") + "]";
  c.driver().transport_text(tid, frame);
  ASSERT_EQ(b.events.back(), "scan:created [" + scan(1, "a") + "]");
  const char* arg = b.last_arg;
  EXPECT_GE(arg, frame.data());
  EXPECT_LE(arg + scan(1, "a").size(), frame.data() + frame.size());
  // A scan out of a sync:since page is the feed's copy, and still right.
  c.driver().transport_text(tid, R"(42["scan:created",)" + scan(3, "c") + "]");  // a gap: held, catch-up
  c.driver().transport_text(tid, R"(432[{"ok":true,"changes":[{"op":"created","scan":)" + scan(2, "b") +
                                     R"(}],"latestSeq":3,"epoch":"e1","hasMore":false}])");
  EXPECT_EQ(b.events[b.events.size() - 2], "scan:created [" + scan(2, "b") + "]");
  EXPECT_EQ(b.events.back(), "scan:created [" + scan(3, "c") + "]");
}

TEST_F(WebClientTest, WithoutCatchUpScanEventsPassRawAndNoSyncIsSent) {
  WebOptions o;
  o.catch_up = false;
  WebClient c(o);
  connect(c);
  EXPECT_EQ(c.feed(), nullptr);
  for (auto& s : b.sent) EXPECT_EQ(s.find("sync:since"), std::string::npos) << s;
  c.driver().transport_text(tid, R"(42["scan:created",)" + scan(1, "a") + "]");
  c.driver().transport_text(tid, R"(42["scan:created",)" + scan(1, "a") + "]");
  EXPECT_EQ(b.events.back(), "scan:created [" + scan(1, "a") + "]");
  EXPECT_EQ(b.events.size(), 3u);  // connect + both
}

TEST_F(WebClientTest, AcksCarryTheReplyOrTheErrcValue) {
  WebOptions o;
  o.catch_up = false;
  WebClient c(o);
  connect(c);
  c.emit("scan:create", R"([{"id":"x"}])", 7);
  ASSERT_EQ(b.sent.back(), R"(421["scan:create",{"id":"x"}])");
  c.driver().transport_text(tid, R"(431[{"ok":true},2])");
  c.emit("scan:create", R"([{"id":"y"}])", 8);
  c.emit("no:ack", "[]", 0);
  c.driver().transport_closed(tid, "eof");
  ASSERT_EQ(b.acks.size(), 2u);
  EXPECT_EQ(b.acks[0], R"(7/0 [{"ok":true},2])");
  EXPECT_EQ(b.acks[1], "8/" + std::to_string(static_cast<int>(client::errc::connection_lost)) + " []");
  EXPECT_EQ(b.statuses.back(), "2/1/1000/0");  // reconnecting, attempt 1, 1 s
}

TEST_F(WebClientTest, DestroyingTheClientAbortsItsSocket) {
  {
    WebClient c(WebOptions{});
    connect(c);
  }
  EXPECT_EQ(b.closed, std::vector<std::string>{"abort"});
}

}  // namespace
}  // namespace scansync::web
