// CORS and the WebSocket Origin check on the running gateway (loopback,
// requests written by hand): what each GatewayOptions::cors_origins setting
// answers on REST, polling, preflight and the WebSocket handshake.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include "gateway/cors_policy.h"
#include "gateway/running_gateway_test_util.h"
#include "scansync/gateway/gateway.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

using testing::RunningGateway;

// No database needed: polling, preflight and WebSocket are the same.
GatewayOptions with_origins(std::vector<std::string> origins) {
  GatewayOptions o;
  o.conformance = true;
  o.cors_origins = std::move(origins);
  return o;
}

// The status line and headers of the answer to `method target` with
// `headers` (a 5 s receive timeout is the deadline).
std::string head_of(std::uint16_t port, const std::string& method, const std::string& target,
                    const std::string& headers) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" +
                          headers + "\r\n";
  asio::write(s, asio::buffer(req));
  std::string raw;
  boost::system::error_code ec;
  const auto n = asio::read_until(s, asio::dynamic_buffer(raw), "\r\n\r\n", ec);
  return ec ? std::string() : raw.substr(0, n);
}

std::string get(std::uint16_t port, const std::string& target, const std::string& origin) {
  return head_of(port, "GET", target, origin.empty() ? "" : "Origin: " + origin + "\r\n");
}

std::string upgrade(std::uint16_t port, const std::string& origin) {
  std::string h = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  "Sec-WebSocket-Version: 13\r\n";
  if (!origin.empty()) h += "Origin: " + origin + "\r\n";
  return head_of(port, "GET", "/socket.io/?EIO=4&transport=websocket", h);
}

bool has(const std::string& head, const std::string& line) { return head.find(line) != std::string::npos; }

TEST(GatewayCors, NoneByDefault) {
  RunningGateway g(with_origins({}));
  const auto h = get(g.port(), "/healthz", "http://evil.example");
  ASSERT_TRUE(has(h, "200 OK")) << h;
  EXPECT_FALSE(has(h, "Access-Control-")) << "no origin is trusted by default:\n" << h;
  const auto pre = head_of(g.port(), "OPTIONS", "/socket.io/?EIO=4&transport=polling",
                           "Origin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n");
  EXPECT_FALSE(has(pre, "Access-Control-")) << pre;
  EXPECT_TRUE(has(upgrade(g.port(), "http://evil.example"), "101 Switching Protocols")) << "unchecked without a list";
}

TEST(GatewayCors, ListedOriginsOnly) {
  RunningGateway g(with_origins({"http://app.example:3000"}));
  const auto ok = get(g.port(), "/socket.io/?EIO=4&transport=polling", "http://app.example:3000");
  ASSERT_TRUE(has(ok, "200 OK")) << ok;
  EXPECT_TRUE(has(ok, "Access-Control-Allow-Origin: http://app.example:3000\r\n")) << ok;
  EXPECT_TRUE(has(ok, "Access-Control-Allow-Credentials: true\r\n")) << ok;
  EXPECT_TRUE(has(ok, "Vary: Origin")) << ok;
  const auto evil = get(g.port(), "/healthz", "http://evil.example");
  EXPECT_FALSE(has(evil, "Access-Control-")) << evil;
  EXPECT_TRUE(has(evil, "Vary: Origin")) << "the answer depends on Origin, for caches:\n" << evil;

  const auto pre = head_of(g.port(), "OPTIONS", "/api/scans",
                           "Origin: http://app.example:3000\r\nAccess-Control-Request-Method: DELETE\r\n"
                           "Access-Control-Request-Headers: authorization\r\n");
  EXPECT_TRUE(has(pre, "204 No Content")) << pre;
  EXPECT_TRUE(has(pre, "Access-Control-Allow-Methods: GET, POST, DELETE, OPTIONS")) << pre;
  EXPECT_TRUE(has(pre, "Access-Control-Allow-Headers: Authorization, Content-Type")) << pre;
  const auto bad_pre = head_of(g.port(), "OPTIONS", "/api/scans",
                               "Origin: http://evil.example\r\nAccess-Control-Request-Method: DELETE\r\n");
  EXPECT_FALSE(has(bad_pre, "Access-Control-")) << bad_pre;

  EXPECT_TRUE(has(upgrade(g.port(), "http://app.example:3000"), "101 Switching Protocols"));
  EXPECT_TRUE(has(upgrade(g.port(), ""), "101 Switching Protocols")) << "native clients send no Origin";
  EXPECT_TRUE(has(upgrade(g.port(), "http://127.0.0.1:" + std::to_string(g.port())), "101 Switching Protocols"))
      << "the gateway's own page";
  const auto refused = upgrade(g.port(), "http://evil.example");
  EXPECT_TRUE(has(refused, "403 Forbidden")) << refused;
  EXPECT_FALSE(has(upgrade(g.port(), "null"), "101")) << "opaque origins are not listed";
}

TEST(GatewayCors, StarIsAnyOriginWithoutCredentials) {
  RunningGateway g(with_origins({"*"}));
  const auto h = get(g.port(), "/healthz", "http://anything.example");
  EXPECT_TRUE(has(h, "Access-Control-Allow-Origin: *\r\n")) << h;
  EXPECT_FALSE(has(h, "Access-Control-Allow-Credentials")) << h;
  EXPECT_FALSE(has(get(g.port(), "/healthz", ""), "Access-Control-")) << "no Origin, no CORS";
  EXPECT_TRUE(has(upgrade(g.port(), "http://anything.example"), "101 Switching Protocols"));
}

TEST(GatewayCors, ABadOriginFailsStart) {
  asio::io_context io;
  GatewayOptions o;
  o.conformance = true;
  o.port = 0;
  o.cors_origins = {"http://app.example/"};
  auto started = Gateway::start(io, o);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error(), CorsError::has_path);
}

}  // namespace
}  // namespace scansync::gateway
