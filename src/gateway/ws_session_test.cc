// The WebSocket adapter (ws_session.cc) on a host of the test's own, not a
// Gateway: the upgrade, a Socket.IO session on the SessionHost the host
// makes (its OPEN, the CONNECT and its answer, the closing handshake), and
// the 503 of a session the host refuses.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "gateway/served_host_test_util.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing::ServedHost;

// A blocking WebSocket client (frames under 126 bytes), 5 s receive deadline.
class Client {
 public:
  Client(std::uint16_t port, const std::string& target) : s_(io_) {
    s_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    timeval tv{5, 0};
    ::setsockopt(s_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    asio::write(s_, asio::buffer("GET " + target +
                                 " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    const auto end = read_until_has(4, "\r\n\r\n");
    if (end == std::string::npos) return;
    head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
  }

  // A masked frame of the client.
  void send(std::uint8_t b0, const std::string& payload) {
    std::string f{static_cast<char>(b0), static_cast<char>(0x80 | payload.size())};
    const char key[4] = {1, 2, 3, 4};
    f.append(key, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<char>(payload[i] ^ key[i & 3]));
    asio::write(s_, asio::buffer(f));
  }

  // The opcode (-1 at EOF or the deadline) and payload of the next frame.
  std::pair<int, std::string> next() {
    if (read_until_has(2, {}) == std::string::npos) return {-1, {}};
    const std::size_t len = static_cast<std::uint8_t>(buf_[1]) & 0x7F;
    if (len >= 126 || read_until_has(2 + len, {}) == std::string::npos) return {-1, {}};
    std::pair<int, std::string> frame{static_cast<std::uint8_t>(buf_[0]) & 0x0F, buf_.substr(2, len)};
    buf_.erase(0, 2 + len);
    return frame;
  }

  std::string head;

 private:
  // Reads until buf_ holds `size` bytes and, if given, `marker`: its offset
  // (0 without one), npos at EOF or the deadline.
  std::size_t read_until_has(std::size_t size, std::string_view marker) {
    while (true) {
      const auto at = marker.empty() ? 0 : buf_.find(marker);
      if (buf_.size() >= size && at != std::string::npos) return at;
      char chunk[4096];
      boost::system::error_code ec;
      const std::size_t n = s_.read_some(asio::buffer(chunk), ec);
      if (ec) return std::string::npos;
      buf_.append(chunk, n);
    }
  }

  asio::io_context io_;
  tcp::socket s_;
  std::string buf_;
};

TEST(WsSessionOnAHost, ASocketIoSessionRunsOnTheSessionItsHostMakes) {
  ServedHost served(1);
  served.host().grant_sessions = true;
  served.start();
  {
    Client ws(served.port(), "/socket.io/?EIO=4&transport=websocket");
    EXPECT_EQ(ws.head.rfind("HTTP/1.1 101", 0), 0u) << ws.head;
    const auto open = ws.next();
    EXPECT_EQ(open.first, 1);
    EXPECT_EQ(open.second.rfind(R"(0{"sid":"sid-1")", 0), 0u) << open.second;
    ws.send(0x81, "40");  // the Socket.IO CONNECT
    const auto connected = ws.next();
    EXPECT_EQ(connected.first, 1);
    EXPECT_EQ(connected.second.rfind("40{", 0), 0u) << connected.second;
    EXPECT_EQ(ws.next(), std::make_pair(1, std::string(R"(42["auth",{}])")));  // what the conformance app says next
    ws.send(0x88, std::string("\x03\xe8", 2));
    EXPECT_EQ(ws.next(), std::make_pair(8, std::string("\x03\xe8", 2)));
    EXPECT_EQ(ws.next().first, -1);  // then the server closes the connection
  }
  served.finish();
  const auto& host = served.host();
  EXPECT_EQ(host.sessions_asked, 1);
  EXPECT_EQ(host.channels, 1u);
  EXPECT_TRUE(host.sessions.empty());  // closed with its WebSocket, ended with its owner
  EXPECT_EQ(host.tracks, 2);  // the HTTP connection, then its WebSocket
  EXPECT_EQ(host.untracks, 2);
}

TEST(WsSessionOnAHost, ASessionTheHostRefusesIs503) {
  ServedHost served(1);
  served.start();
  {
    Client ws(served.port(), "/socket.io/?EIO=4&transport=websocket");
    EXPECT_EQ(ws.head.rfind("HTTP/1.1 503 Service Unavailable", 0), 0u) << ws.head;
    EXPECT_NE(ws.head.find("Retry-After: 1"), std::string::npos) << ws.head;
  }
  served.finish();
  EXPECT_EQ(served.host().sessions_asked, 1);
  EXPECT_EQ(served.host().session_remote, "127.0.0.1");
}

}  // namespace
}  // namespace scansync::gateway
