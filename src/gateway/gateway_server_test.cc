// The gateway over real loopback sockets (plain HTTP/1.1 written by hand):
// routing, Engine.IO error answers, a long-polling session end to end, the
// REST 401, and a stop that leaves nothing running. WebSocket paths are
// covered by the protocol test suites and tests/e2e.
#include "scansync/gateway/gateway.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>

#include "scansync/auth/jwt.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Answer {
  int status = 0;
  std::string head;
  std::string body;
};

// One request on its own connection ("Connection: close"), answer read to
// EOF. A 5 s receive timeout is the deadline: a hung server fails the test.
Answer exchange(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = {},
                const std::string& extra_headers = {}) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra_headers;
  if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  asio::write(s, asio::buffer(req));
  std::string raw;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(raw), ec);
  Answer a;
  auto split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.size() < 12) return a;
  a.head = raw.substr(0, split);
  a.body = raw.substr(split + 4);
  a.status = std::stoi(raw.substr(9, 3));
  return a;
}

class RunningGateway {
 public:
  explicit RunningGateway(GatewayOptions opts) {
    opts.port = 0;
    auto started = Gateway::start(io_, std::move(opts));
    if (!started) {
      ADD_FAILURE() << "start: " << started.error().message();
      return;
    }
    gateway_ = std::move(*started);
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(30)); });
  }
  ~RunningGateway() {
    if (!gateway_) return;
    gateway_->stop("test over");
    thread_.join();
    EXPECT_TRUE(gateway_->drained()) << "stop() left connections open";
    gateway_.reset();
  }
  std::uint16_t port() const { return gateway_ ? gateway_->port() : 0; }

 private:
  asio::io_context io_;
  std::unique_ptr<Gateway> gateway_;
  std::thread thread_;
};

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
    EXPECT_EQ(ok.body, R"({"scans":[],"latestSeq":0})");
    EXPECT_EQ(exchange(g.port(), "GET", "/engine.io/?EIO=4&transport=polling").status, 404)
        << "raw Engine.IO only in conformance mode";
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(GatewayServer, StartFailsOnABadAddress) {
  asio::io_context io;
  GatewayOptions o = conformance();
  o.host = "not an address";
  EXPECT_FALSE(Gateway::start(io, o).ok());
}

}  // namespace
}  // namespace scansync::gateway
