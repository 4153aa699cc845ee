// The gateway over real loopback sockets (plain HTTP/1.1 written by hand):
// routing, Engine.IO error answers, a long-polling session end to end, the
// REST 401, a stop that leaves nothing running, and the WebSocket framing
// (handshake, ping/pong, close, protocol errors, a burst larger than the
// socket buffers). The Socket.IO paths over WebSocket are covered by the
// protocol test suites and tests/e2e.
#include "scansync/gateway/gateway.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>

#include "gateway/loopback_http_test_util.h"
#include "gateway/running_gateway_test_util.h"
#include "scansync/auth/jwt.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using Answer = testing::LoopbackAnswer;

Answer exchange(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = {},
                const std::string& extra_headers = {}) {
  return testing::loopback_exchange(port, method, target, body, extra_headers);
}

using testing::RunningGateway;

GatewayOptions conformance() {
  GatewayOptions o;
  o.conformance = true;
  o.ping_interval_ms = 300;
  o.ping_timeout_ms = 200;
  o.connect_timeout_ms = 1000;
  return o;
}

TEST(GatewayServer, HealthzAndUnknownPaths) {
  RunningGateway g(conformance());
  ASSERT_NE(g.port(), 0);
  EXPECT_EQ(exchange(g.port(), "GET", "/healthz").status, 200);
  auto missing = exchange(g.port(), "GET", "/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("not_found"), std::string::npos);
}

TEST(GatewayServer, WithoutAWebRootThePageIs404AndSaysWhy) {
  // start() logs on the calling thread; later lines come from the loop's.
  struct Log {
    std::mutex mu;
    std::vector<std::string> lines;
  };
  auto log = std::make_shared<Log>();
  GatewayOptions o = conformance();
  o.web_root = std::filesystem::temp_directory_path() / "scansync-no-such-web-root";
  o.log = [log](std::string_view l) {
    std::lock_guard lock(log->mu);
    log->lines.emplace_back(l);
  };
  RunningGateway g(o);
  auto page = exchange(g.port(), "GET", "/");
  EXPECT_EQ(page.status, 404);
  EXPECT_NE(page.body.find("the web page is not available: "), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("scansync-no-such-web-root is not a folder"), std::string::npos) << page.body;
  EXPECT_EQ(exchange(g.port(), "GET", "/healthz").status, 200);
  std::lock_guard lock(log->mu);
  ASSERT_GE(log->lines.size(), 2u);
  EXPECT_NE(log->lines[1].find(R"("event":"web_page_unavailable")"), std::string::npos) << log->lines[1];
}

TEST(GatewayServer, EngineIoErrorsAre400WithTheReferenceBody) {
  RunningGateway g(conformance());
  auto t = exchange(g.port(), "GET", "/socket.io/?EIO=4&transport=abc");
  EXPECT_EQ(t.status, 400);
  EXPECT_EQ(t.body, R"({"code":0,"message":"Transport unknown"})");
  auto sid = exchange(g.port(), "GET", "/socket.io/?EIO=4&transport=polling&sid=nope");
  EXPECT_EQ(sid.status, 400);
  EXPECT_EQ(sid.body, R"({"code":1,"message":"Session ID unknown"})");
  auto method = exchange(g.port(), "PUT", "/socket.io/?EIO=4&transport=polling");
  EXPECT_EQ(method.body, R"({"code":2,"message":"Bad handshake method"})");
  auto eio = exchange(g.port(), "GET", "/socket.io/?EIO=3&transport=polling");
  EXPECT_EQ(eio.body, R"({"code":5,"message":"Unsupported protocol version"})");
  auto ws = exchange(g.port(), "GET", "/socket.io/?EIO=4&transport=websocket");
  EXPECT_EQ(ws.body, R"({"code":3,"message":"Bad request"})") << "websocket without an Upgrade request";
}

TEST(GatewayServer, LongPollingSocketIoSession) {
  RunningGateway g(conformance());
  auto open = exchange(g.port(), "GET", "/socket.io/?EIO=4&transport=polling");
  ASSERT_EQ(open.status, 200);
  ASSERT_EQ(open.body.rfind("0{\"sid\":\"", 0), 0u) << open.body;
  const std::string sid = open.body.substr(9, 20);
  const std::string q = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
  auto post = exchange(g.port(), "POST", q, R"(40{"token":"x"})");
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(post.body, "ok");
  auto poll = exchange(g.port(), "GET", q);
  EXPECT_EQ(poll.status, 200);
  EXPECT_EQ(poll.body.rfind("40{\"sid\":\"", 0), 0u) << poll.body;
  EXPECT_NE(poll.body.find("\x1e" R"(42["auth",{"token":"x"}])"), std::string::npos) << poll.body;
  EXPECT_EQ(exchange(g.port(), "POST", q, "42[\"message\",\"hi\"]\x1e" "1").status, 200);
  EXPECT_EQ(exchange(g.port(), "GET", q).status, 400) << "closed by the client's CLOSE packet";
}

TEST(GatewayServer, OversizedPollingPostIs413) {
  GatewayOptions o = conformance();
  o.max_payload = 64;
  RunningGateway g(o);
  auto open = exchange(g.port(), "GET", "/socket.io/?EIO=4&transport=polling");
  const std::string sid = open.body.substr(9, 20);
  auto post = exchange(g.port(), "POST", "/socket.io/?EIO=4&transport=polling&sid=" + sid, "4" + std::string(100, 'x'));
  EXPECT_EQ(post.status, 413);
}

TEST(GatewayServer, RestNeedsABearerToken) {
  auto dir = std::filesystem::temp_directory_path() / ("gateway_server_test_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    GatewayOptions o;
    o.data_dir = dir;
    o.jwt_secret = "secret";
    RunningGateway g(o);
    auto none = exchange(g.port(), "GET", "/api/scans");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.body, R"({"error":{"code":"token_missing","message":"unauthorized"}})");
    auto bad = exchange(g.port(), "GET", "/api/scans", {}, "Authorization: Bearer abc\r\n");
    EXPECT_EQ(bad.status, 401);
    EXPECT_EQ(bad.body, R"({"error":{"code":"token_invalid","message":"unauthorized"}})");
    auth::Claims c;
    c.sub = "alice";
    c.exp = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count() + 600;
    auto ok = exchange(g.port(), "GET", "/api/scans", {}, "Authorization: Bearer " + auth::sign_hs256(c, "secret") + "\r\n");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body.rfind(R"({"scans":[],"latestSeq":0,"epoch":")", 0), 0u) << ok.body;
    EXPECT_NE(ok.body.find(R"("nextCursor":null})"), std::string::npos) << ok.body;
    EXPECT_EQ(exchange(g.port(), "GET", "/engine.io/?EIO=4&transport=polling").status, 404)
        << "raw Engine.IO only in conformance mode";
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// A blocking WebSocket client over a raw socket (5 s receive deadline).
class RawWs {
 public:
  RawWs(std::uint16_t port, const std::string& target, const std::string& version = "13", int rcvbuf = 0) : s_(io_) {
    s_.open(tcp::v4());
    // A small receive window makes the server's socket buffer fill up.
    if (rcvbuf > 0) ::setsockopt(s_.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    s_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    timeval tv{5, 0};
    ::setsockopt(s_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string req = "GET " + target +
                            " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " +
                            version + "\r\n\r\n";
    asio::write(s_, asio::buffer(req));
    boost::system::error_code ec;
    const std::size_t n = asio::read_until(s_, asio::dynamic_buffer(buf_), "\r\n\r\n", ec);
    if (ec) return;
    head = buf_.substr(0, n);
    buf_.erase(0, n);
  }
  void send(std::uint8_t b0, std::string_view payload, bool masked = true) {
    std::string f(1, static_cast<char>(b0));
    const char mask_bit = masked ? static_cast<char>(0x80) : 0;
    if (payload.size() < 126) {
      f.push_back(static_cast<char>(mask_bit | static_cast<char>(payload.size())));
    } else {
      f.push_back(static_cast<char>(mask_bit | 126));
      f.push_back(static_cast<char>(payload.size() >> 8));
      f.push_back(static_cast<char>(payload.size()));
    }
    const char key[4] = {1, 2, 3, 4};
    if (masked) f.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i]);
    out_ += f;
  }
  void flush() {
    asio::write(s_, asio::buffer(out_));
    out_.clear();
  }
  // opcode (-1 at EOF or deadline) and payload of the next server frame.
  std::pair<int, std::string> next() {
    while (true) {
      if (buf_.size() >= 2) {
        const auto b1 = static_cast<std::uint8_t>(buf_[1]);
        EXPECT_EQ(b1 & 0x80, 0) << "server frames are unmasked";
        std::size_t len = b1 & 0x7F, header = 2;
        if (len == 126 && buf_.size() >= 4) {
          len = (static_cast<std::uint8_t>(buf_[2]) << 8) | static_cast<std::uint8_t>(buf_[3]);
          header = 4;
        }
        if ((b1 & 0x7F) < 126 || header == 4) {
          if (buf_.size() >= header + len) {
            const int op = static_cast<std::uint8_t>(buf_[0]) & 0x0F;
            std::string payload = buf_.substr(header, len);
            buf_.erase(0, header + len);
            return {op, payload};
          }
        }
      }
      char chunk[65536];
      boost::system::error_code ec;
      const std::size_t n = s_.read_some(asio::buffer(chunk), ec);
      if (ec) return {-1, {}};
      buf_.append(chunk, n);
    }
  }
  std::string head;

 private:
  asio::io_context io_;
  tcp::socket s_;
  std::string buf_;
  std::string out_;
};

TEST(GatewayServer, WebSocketHandshakePingEchoAndClose) {
  RunningGateway gw(conformance());
  RawWs ws(gw.port(), "/engine.io/?EIO=4&transport=websocket");
  EXPECT_NE(ws.head.find("HTTP/1.1 101"), std::string::npos) << ws.head;
  EXPECT_NE(ws.head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << ws.head;
  auto open = ws.next();
  EXPECT_EQ(open.first, 1);
  EXPECT_EQ(open.second.substr(0, 8), "0{\"sid\":");
  ws.send(0x89, "hi");
  ws.send(0x01, "4hel");  // a fragmented text message
  ws.send(0x80, "lo");
  ws.flush();
  EXPECT_EQ(ws.next(), std::make_pair(10, std::string("hi")));  // pong first: order kept
  EXPECT_EQ(ws.next(), std::make_pair(1, std::string("4hello")));
  ws.send(0x88, std::string("\x03\xe8", 2));
  ws.flush();
  EXPECT_EQ(ws.next(), std::make_pair(8, std::string("\x03\xe8", 2)));
  EXPECT_EQ(ws.next().first, -1);  // then the server closes the connection
}

TEST(GatewayServer, WebSocketProtocolErrorsCloseWithACode) {
  GatewayOptions o = conformance();
  o.max_payload = 100;
  RunningGateway gw(o);
  {
    RawWs ws(gw.port(), "/engine.io/?EIO=4&transport=websocket");
    ASSERT_EQ(ws.next().first, 1);
    ws.send(0x81, "4x", false);  // unmasked
    ws.flush();
    EXPECT_EQ(ws.next(), std::make_pair(8, std::string("\x03\xea", 2)));  // 1002
    EXPECT_EQ(ws.next().first, -1);
  }
  {
    RawWs ws(gw.port(), "/engine.io/?EIO=4&transport=websocket");
    ASSERT_EQ(ws.next().first, 1);
    ws.send(0x82, std::string(1000, 'x'));  // over maxPayload (100 below)
    ws.flush();
    EXPECT_EQ(ws.next(), std::make_pair(8, std::string("\x03\xf1", 2)));  // 1009
  }
  EXPECT_NE(RawWs(gw.port(), "/engine.io/?EIO=4&transport=websocket", "8").head.find("426"), std::string::npos);
}

// More output than the socket buffers hold while the client is not reading:
// the gateway falls back to asynchronous writes and every echo arrives in order.
TEST(GatewayServer, WebSocketBurstArrivesWholeAndInOrder) {
  GatewayOptions o = conformance();
  o.max_payload = 100000;
  o.max_write_queue_bytes = 64u << 20;
  o.ping_interval_ms = 25000;  // no Engine.IO PING among the echoes (a slow, e.g. sanitized, run takes > 300 ms)
  o.ping_timeout_ms = 20000;
  RunningGateway gw(o);
  RawWs ws(gw.port(), "/engine.io/?EIO=4&transport=websocket", "13", 4096);
  ASSERT_EQ(ws.next().first, 1);
  const int count = 8000;  // 8 MB: more than the kernel buffers (tcp_wmem max 4 MB)
  for (int i = 0; i < count; ++i) ws.send(0x81, "4" + std::to_string(i) + std::string(1000, 'p'));
  ws.flush();
  for (int i = 0; i < count; ++i) {
    auto f = ws.next();
    ASSERT_EQ(f.first, 1) << i;
    ASSERT_EQ(f.second, "4" + std::to_string(i) + std::string(1000, 'p'));
  }
}

TEST(GatewayServer, StartFailsOnABadAddress) {
  asio::io_context io;
  GatewayOptions o = conformance();
  o.host = "not an address";
  EXPECT_FALSE(Gateway::start(io, o).ok());
}

}  // namespace
}  // namespace scansync::gateway
