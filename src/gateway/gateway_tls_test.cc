// The gateway with TLS (GatewayOptions::tls_cert_file / tls_key_file) over
// loopback, against a blocking OpenSSL client: the chain is sent (the client
// trusts only the root), ALPN and the version floor, plain HTTP answered 400,
// a silent or half-finished handshake closed after the connect timeout and
// closed by stop(), WebSocket framing and a burst through TLS records, and a
// parked poll whose client sends close_notify closing its session. The
// Socket.IO paths over wss and https are in tests/e2e/tls.test.js.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "gateway/running_gateway_test_util.h"
#include "gateway/tls_test_util.h"
#include "scansync/gateway/gateway.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing::RunningGateway;
using testing::TestPki;

// The gateway's log lines, waited on from the test's thread.
class LogLines {
 public:
  std::function<void(std::string_view)> sink() {
    return [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.emplace_back(line);
      changed_.notify_all();
    };
  }
  bool wait_for(const std::string& needle, std::chrono::seconds within = std::chrono::seconds(5)) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, within, [&] {
      for (const auto& l : lines_) {
        if (l.find(needle) != std::string::npos) return true;
      }
      return false;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

struct ClientOptions {
  int min_version = 0;  // 0: OpenSSL's default
  int max_version = 0;
  std::string alpn;  // wire format: length-prefixed names
};

// A blocking TLS client (OpenSSL on the socket's descriptor: no asio::ssl,
// which would double this file's compile time) that trusts the test root and
// checks the name "localhost"; every read has a 5 s deadline.
class TlsClient {
 public:
  TlsClient(std::uint16_t port, const TestPki& pki, const ClientOptions& o = {}) : socket_(io_) {
    context_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_load_verify_locations(context_.get(), pki.root().c_str(), nullptr);
    SSL_CTX_set_verify(context_.get(), SSL_VERIFY_PEER, nullptr);
    ssl_.reset(SSL_new(context_.get()));
    SSL* s = ssl_.get();
    if (o.min_version) {
      SSL_set_security_level(s, 0);  // lets this client offer what OpenSSL no longer would
      SSL_set_min_proto_version(s, o.min_version);
    }
    if (o.max_version) SSL_set_max_proto_version(s, o.max_version);
    if (!o.alpn.empty()) {
      SSL_set_alpn_protos(s, reinterpret_cast<const unsigned char*>(o.alpn.data()), static_cast<unsigned>(o.alpn.size()));
    }
    SSL_set1_host(s, "localhost");
    SSL_set_tlsext_host_name(s, "localhost");
    socket_.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL_set_fd(s, socket_.native_handle());
    ERR_clear_error();
    if (SSL_connect(s) != 1) handshake_error = last_error();
  }

  std::string handshake_error;  // OpenSSL's reason; empty: connected

  std::string alpn() {
    const unsigned char* name = nullptr;
    unsigned size = 0;
    SSL_get0_alpn_selected(ssl_.get(), &name, &size);
    return std::string(reinterpret_cast<const char*>(name), size);
  }
  int version() { return SSL_version(ssl_.get()); }
  void write(std::string_view data) {
    while (!data.empty()) {
      const int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size()));
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // At least `n` bytes buffered; false at the end or the deadline.
  bool fill(std::size_t n) {
    while (buffer_.size() < n) {
      char chunk[16384];
      const int got = SSL_read(ssl_.get(), chunk, sizeof chunk);
      if (got <= 0) {
        ended_ = SSL_get_error(ssl_.get(), got);
        return false;
      }
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
    return true;
  }
  // Up to and including `delimiter` (empty at the end or the deadline).
  std::string read_until(std::string_view delimiter) {
    std::size_t at;
    while ((at = buffer_.find(delimiter)) == std::string::npos) {
      if (!fill(buffer_.size() + 1)) return {};
    }
    std::string out = buffer_.substr(0, at + delimiter.size());
    buffer_.erase(0, at + delimiter.size());
    return out;
  }
  // What is left until the server closes.
  std::string read_all() {
    while (fill(buffer_.size() + 1)) {
    }
    return std::exchange(buffer_, {});
  }
  // The server ended with a close_notify (not a bare EOF or the deadline).
  bool closed_cleanly() const { return ended_ == SSL_ERROR_ZERO_RETURN; }
  // One-way, as the gateway does: ours is sent, the server's not awaited.
  void send_close_notify() {
    SSL_set_shutdown(ssl_.get(), SSL_RECEIVED_SHUTDOWN);
    SSL_shutdown(ssl_.get());
  }
  std::string& buffer() { return buffer_; }

 private:
  static std::string last_error() {
    const unsigned long e = ERR_peek_last_error();
    const char* reason = ERR_reason_error_string(e);
    ERR_clear_error();
    return reason ? reason : "handshake failed (error " + std::to_string(e) + ")";
  }
  struct ContextFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
  };

  asio::io_context io_;
  tcp::socket socket_;  // outlives ssl_, which uses its descriptor
  std::unique_ptr<SSL_CTX, ContextFree> context_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::string buffer_;
  int ended_ = 0;
};

// The status line's code and the body of one "Connection: close" request.
std::pair<int, std::string> https_get(std::uint16_t port, const TestPki& pki, const std::string& target) {
  TlsClient c(port, pki);
  if (!c.handshake_error.empty()) return {0, c.handshake_error};
  c.write("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  const std::string raw = c.read_all();
  const auto split = raw.find("\r\n\r\n");
  if (raw.size() < 12 || split == std::string::npos) return {0, raw};
  return {std::stoi(raw.substr(9, 3)), raw.substr(split + 4)};
}

// A raw TCP connection (no TLS) with a 5 s receive deadline.
struct RawTcp {
  explicit RawTcp(std::uint16_t port) : socket(io) {
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    timeval tv{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  // Everything until the server closes; `ec` is how the read ended.
  std::string read_all(boost::system::error_code& ec) {
    std::string out;
    asio::read(socket, asio::dynamic_buffer(out), ec);
    return out;
  }
  asio::io_context io;
  tcp::socket socket;
};

class GatewayTls : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki_.ok()); }

  GatewayOptions options() {
    GatewayOptions o;
    o.conformance = true;  // raw Engine.IO echo on /engine.io/, no database
    o.ping_interval_ms = 25000;
    o.ping_timeout_ms = 20000;
    o.connect_timeout_ms = 1000;
    o.tls_cert_file = pki_.chain();
    o.tls_key_file = pki_.key();
    o.log = log_.sink();
    o.log_level = LogLevel::debug;  // session_opened lines: a test waits for its session
    return o;
  }

  TestPki pki_;
  LogLines log_;  // outlives the gateways of a test
};

TEST_F(GatewayTls, ServesHttpsWithTheChainAlpnHttp11AndTls12AtLeast) {
  RunningGateway gw(options());
  const auto health = https_get(gw.port(), pki_, "/healthz");
  EXPECT_EQ(health.first, 200);
  EXPECT_EQ(health.second.rfind(R"({"status":"ok","ok":true)", 0), 0u) << health.second;
  TlsClient offers_h2(gw.port(), pki_, {.alpn = std::string("\x02h2\x08http/1.1", 12)});
  ASSERT_EQ(offers_h2.handshake_error, "");
  EXPECT_EQ(offers_h2.alpn(), "http/1.1");
  EXPECT_GE(offers_h2.version(), TLS1_2_VERSION);
  TlsClient tls12(gw.port(), pki_, {.max_version = TLS1_2_VERSION, .alpn = {}});
  EXPECT_EQ(tls12.handshake_error, "");
  EXPECT_TRUE(log_.wait_for(R"("event":"listening")") && log_.wait_for(R"("tls":"true")"));
}

TEST_F(GatewayTls, OldVersionsAndOtherProtocolsAreRefusedAndCostOnlyTheirConnection) {
  RunningGateway gw(options());
  TlsClient tls11(gw.port(), pki_, {.min_version = TLS1_VERSION, .max_version = TLS1_1_VERSION, .alpn = {}});
  EXPECT_NE(tls11.handshake_error, "");
  EXPECT_TRUE(log_.wait_for("tls_handshake_failed")) << "the refusal came from the gateway";
  TlsClient only_h2(gw.port(), pki_, {.alpn = std::string("\x02h2", 3)});
  EXPECT_NE(only_h2.handshake_error.find("no application protocol"), std::string::npos) << only_h2.handshake_error;
  EXPECT_EQ(https_get(gw.port(), pki_, "/healthz").first, 200);
}

TEST_F(GatewayTls, PlainHttpIsAnswered400NamingHttps) {
  RunningGateway gw(options());
  RawTcp plain(gw.port());
  asio::write(plain.socket, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")));
  boost::system::error_code ec;
  const std::string answer = plain.read_all(ec);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("use https://"), std::string::npos) << answer;
  EXPECT_EQ(https_get(gw.port(), pki_, "/healthz").first, 200);
}

TEST_F(GatewayTls, ASilentOrUnfinishedHandshakeIsClosedAfterTheConnectTimeout) {
  GatewayOptions o = options();
  o.connect_timeout_ms = 200;
  RunningGateway gw(o);
  RawTcp silent(gw.port());
  RawTcp unfinished(gw.port());
  asio::write(unfinished.socket, asio::buffer(std::string("\x16\x03\x01\x02\x00\x01", 6)));  // a ClientHello's start
  for (RawTcp* peer : {&silent, &unfinished}) {
    boost::system::error_code ec;
    peer->read_all(ec);
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message() << " (not closed in 5 s?)";
  }
  EXPECT_EQ(https_get(gw.port(), pki_, "/healthz").first, 200);
}

TEST_F(GatewayTls, StopClosesAConnectionStillInItsHandshake) {
  GatewayOptions o = options();
  o.connect_timeout_ms = 60000;  // longer than RunningGateway runs: only stop() can close it
  auto gw = std::make_unique<RunningGateway>(o);
  RawTcp silent(gw->port());
  EXPECT_EQ(https_get(gw->port(), pki_, "/healthz").first, 200);  // the silent one was accepted before this
  gw.reset();  // stops, and checks that the gateway drained
  boost::system::error_code ec;
  silent.read_all(ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

// --- WebSocket over TLS (the conformance echo on /engine.io/)

std::string masked_frame(std::uint8_t b0, std::string_view payload) {
  std::string f(1, static_cast<char>(b0));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  }
  const char key[4] = {1, 2, 3, 4};
  f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<char>(payload[i] ^ key[i & 3]));
  return f;
}

// The opcode (-1 at EOF or the deadline) and payload of the next server frame (< 64 KiB).
std::pair<int, std::string> next_frame(TlsClient& c) {
  if (!c.fill(2)) return {-1, {}};
  const auto b1 = static_cast<std::uint8_t>(c.buffer()[1]);
  std::size_t header = 2, size = b1 & 0x7F;
  if (size == 126) {
    if (!c.fill(4)) return {-1, {}};
    header = 4;
    size = (static_cast<std::uint8_t>(c.buffer()[2]) << 8) | static_cast<std::uint8_t>(c.buffer()[3]);
  }
  if (!c.fill(header + size)) return {-1, {}};
  const int op = static_cast<std::uint8_t>(c.buffer()[0]) & 0x0F;
  std::string payload = c.buffer().substr(header, size);
  c.buffer().erase(0, header + size);
  return {op, payload};
}

std::string upgrade_request(const std::string& target) {
  return "GET " + target +
         " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

TEST_F(GatewayTls, WebSocketHandshakePingEchoAndClose) {
  RunningGateway gw(options());
  TlsClient ws(gw.port(), pki_);
  ASSERT_EQ(ws.handshake_error, "");
  ws.write(upgrade_request("/engine.io/?EIO=4&transport=websocket"));
  const std::string head = ws.read_until("\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
  auto open = next_frame(ws);
  EXPECT_EQ(open.first, 1);
  EXPECT_EQ(open.second.substr(0, 8), "0{\"sid\":");
  ws.write(masked_frame(0x89, "hi") + masked_frame(0x81, "4hello"));
  EXPECT_EQ(next_frame(ws), std::make_pair(10, std::string("hi")));
  EXPECT_EQ(next_frame(ws), std::make_pair(1, std::string("4hello")));
  ws.write(masked_frame(0x88, std::string("\x03\xe8", 2)));
  EXPECT_EQ(next_frame(ws), std::make_pair(8, std::string("\x03\xe8", 2)));
  EXPECT_EQ(ws.read_all(), "");
  EXPECT_TRUE(ws.closed_cleanly()) << "a close_notify, then the end";
}

// More output than the socket buffers hold while the client does not read:
// the records of many gathered writes arrive whole and in order.
TEST_F(GatewayTls, WebSocketBurstArrivesWholeAndInOrder) {
  GatewayOptions o = options();
  o.max_payload = 100000;
  o.max_write_queue_bytes = 64u << 20;
  RunningGateway gw(o);
  TlsClient ws(gw.port(), pki_);
  ASSERT_EQ(ws.handshake_error, "");
  ws.write(upgrade_request("/engine.io/?EIO=4&transport=websocket"));
  ASSERT_EQ(ws.read_until("\r\n\r\n").rfind("HTTP/1.1 101", 0), 0u);
  ASSERT_EQ(next_frame(ws).first, 1);
  const int count = 3000;  // 3 MB of echoes
  std::string burst;
  for (int i = 0; i < count; ++i) burst += masked_frame(0x81, "4" + std::to_string(i) + std::string(1000, 'p'));
  ws.write(burst);
  for (int i = 0; i < count; ++i) {
    auto f = next_frame(ws);
    ASSERT_EQ(f.first, 1) << i;
    ASSERT_EQ(f.second, "4" + std::to_string(i) + std::string(1000, 'p'));
  }
}

// --- long-polling over TLS

TEST_F(GatewayTls, APollWhoseClientSendsCloseNotifyClosesItsSession) {
  RunningGateway gw(options());
  const auto open = https_get(gw.port(), pki_, "/engine.io/?EIO=4&transport=polling");
  ASSERT_EQ(open.first, 200) << open.second;
  const auto at = open.second.find(R"("sid":")");
  ASSERT_NE(at, std::string::npos) << open.second;
  const std::string sid = open.second.substr(at + 7, open.second.find('"', at + 7) - (at + 7));

  TlsClient poll(gw.port(), pki_);
  ASSERT_EQ(poll.handshake_error, "");
  poll.write("GET /engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  // Parked: nothing to send before the next ping (25 s). The client gives up
  // with a close_notify and keeps its TCP connection open: only the records
  // say it left.
  ASSERT_TRUE(log_.wait_for("\"sid\":\"" + sid + "\"")) << "session opened";
  poll.send_close_notify();
  EXPECT_TRUE(log_.wait_for(R"("event":"session_closed","sid":")" + sid + "\""));
}

TEST_F(GatewayTls, StartFailsOnUnusableFiles) {
  asio::io_context io;
  GatewayOptions o = options();
  o.tls_key_file = pki_.other_key_file();
  auto started = Gateway::start(io, o);
  ASSERT_FALSE(started.ok());
  EXPECT_STREQ(started.error().category().name(), "scansync.tls");
  EXPECT_TRUE(log_.wait_for("tls_unusable") && log_.wait_for(pki_.other_key_file().string()));
  o.tls_key_file.clear();
  EXPECT_FALSE(Gateway::start(io, o).ok()) << "a certificate without a key";
}

}  // namespace
}  // namespace scansync::gateway
