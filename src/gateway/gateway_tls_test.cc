// The gateway with TLS (GatewayOptions::tls_cert_file / tls_key_file) over
// loopback, against a blocking OpenSSL client: the chain is sent (the client
// trusts only the root), ALPN and the version floor, plain HTTP answered 400,
// a silent or half-finished handshake closed after the connect timeout and
// closed by stop(), WebSocket framing and a burst through TLS records, and a
// parked poll whose client sends close_notify closing its session. The
// Socket.IO paths over wss and https are in tests/e2e/tls.test.js.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <thread>

#include "gateway/running_gateway_test_util.h"
#include "gateway/tls_test_util.h"
#include "scansync/gateway/gateway.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
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

// A blocking TLS client that trusts the test root and checks the name
// "localhost"; every read has a 5 s deadline.
class TlsClient {
 public:
  TlsClient(std::uint16_t port, const TestPki& pki, const ClientOptions& o = {})
      : context_(ssl::context::tls_client), stream_(io_, context_) {
    context_.load_verify_file(pki.root().string());
    context_.set_verify_mode(ssl::verify_peer);
    SSL* native = stream_.native_handle();  // made before these lines: set on it, not on the context
    if (o.min_version) {
      SSL_set_security_level(native, 0);  // lets this client offer what OpenSSL no longer would
      SSL_set_min_proto_version(native, o.min_version);
    }
    if (o.max_version) SSL_set_max_proto_version(native, o.max_version);
    if (!o.alpn.empty()) {
      SSL_set_alpn_protos(native, reinterpret_cast<const unsigned char*>(o.alpn.data()),
                          static_cast<unsigned>(o.alpn.size()));
    }
    stream_.set_verify_callback(ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    stream_.lowest_layer().connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    timeval tv{5, 0};
    ::setsockopt(stream_.lowest_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    stream_.handshake(ssl::stream_base::client, handshake_error);
  }

  boost::system::error_code handshake_error;

  std::string alpn() {
    const unsigned char* name = nullptr;
    unsigned size = 0;
    SSL_get0_alpn_selected(stream_.native_handle(), &name, &size);
    return std::string(reinterpret_cast<const char*>(name), size);
  }
  int version() { return SSL_version(stream_.native_handle()); }
  void write(std::string_view data) { asio::write(stream_, asio::buffer(data.data(), data.size())); }
  // Up to and including `delimiter` (empty at EOF or the deadline).
  std::string read_until(std::string_view delimiter) {
    boost::system::error_code ec;
    const std::size_t n = asio::read_until(stream_, asio::dynamic_buffer(buffer_), delimiter, ec);
    if (ec) return {};
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }
  // What is left until the server closes; `ec` says how it closed.
  std::string read_all(boost::system::error_code& ec) {
    asio::read(stream_, asio::dynamic_buffer(buffer_), ec);
    return std::exchange(buffer_, {});
  }
  // At least `n` bytes buffered; false at EOF or the deadline.
  bool fill(std::size_t n) {
    while (buffer_.size() < n) {
      char chunk[16384];
      boost::system::error_code ec;
      const std::size_t got = stream_.read_some(asio::buffer(chunk), ec);
      if (ec) return false;
      buffer_.append(chunk, got);
    }
    return true;
  }
  std::string& buffer() { return buffer_; }
  ssl::stream<tcp::socket>& stream() { return stream_; }

 private:
  asio::io_context io_;
  ssl::context context_;
  ssl::stream<tcp::socket> stream_;
  std::string buffer_;
};

// The status line's code and the body of one "Connection: close" request.
std::pair<int, std::string> https_get(std::uint16_t port, const TestPki& pki, const std::string& target) {
  TlsClient c(port, pki);
  if (c.handshake_error) return {0, c.handshake_error.message()};
  c.write("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  boost::system::error_code ec;
  const std::string raw = c.read_all(ec);
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
    return o;
  }

  TestPki pki_;
  LogLines log_;  // outlives the gateways of a test
};

TEST_F(GatewayTls, ServesHttpsWithTheChainAlpnHttp11AndTls12AtLeast) {
  RunningGateway gw(options());
  EXPECT_EQ(https_get(gw.port(), pki_, "/healthz"), std::make_pair(200, std::string(R"({"status":"ok"})")));
  TlsClient offers_h2(gw.port(), pki_, {.alpn = std::string("\x02h2\x08http/1.1", 12)});
  ASSERT_FALSE(offers_h2.handshake_error) << offers_h2.handshake_error.message();
  EXPECT_EQ(offers_h2.alpn(), "http/1.1");
  EXPECT_GE(offers_h2.version(), TLS1_2_VERSION);
  TlsClient tls12(gw.port(), pki_, {.max_version = TLS1_2_VERSION, .alpn = {}});
  EXPECT_FALSE(tls12.handshake_error) << tls12.handshake_error.message();
  EXPECT_TRUE(log_.wait_for(R"("type":"listening")") && log_.wait_for("(TLS)"));
}

TEST_F(GatewayTls, OldVersionsAndOtherProtocolsAreRefusedAndCostOnlyTheirConnection) {
  RunningGateway gw(options());
  TlsClient tls11(gw.port(), pki_, {.min_version = TLS1_VERSION, .max_version = TLS1_1_VERSION, .alpn = {}});
  EXPECT_TRUE(tls11.handshake_error);
  EXPECT_TRUE(log_.wait_for("tls_handshake_failed")) << "the refusal came from the gateway";
  TlsClient only_h2(gw.port(), pki_, {.alpn = std::string("\x02h2", 3)});
  EXPECT_TRUE(only_h2.handshake_error);
  EXPECT_NE(only_h2.handshake_error.message().find("no application protocol"), std::string::npos)
      << only_h2.handshake_error.message();
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
  ASSERT_FALSE(ws.handshake_error) << ws.handshake_error.message();
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
  boost::system::error_code ec;
  EXPECT_EQ(ws.read_all(ec), "");
  EXPECT_EQ(ec, asio::error::eof) << "a close_notify, then the end: " << ec.message();
}

// More output than the socket buffers hold while the client does not read:
// the records of many gathered writes arrive whole and in order.
TEST_F(GatewayTls, WebSocketBurstArrivesWholeAndInOrder) {
  GatewayOptions o = options();
  o.max_payload = 100000;
  o.max_write_queue_bytes = 64u << 20;
  RunningGateway gw(o);
  TlsClient ws(gw.port(), pki_);
  ASSERT_FALSE(ws.handshake_error) << ws.handshake_error.message();
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
  std::smatch m;
  ASSERT_TRUE(std::regex_search(open.second, m, std::regex(R"re("sid":"([^"]+)")re"))) << open.second;
  const std::string sid = m[1];

  TlsClient poll(gw.port(), pki_);
  ASSERT_FALSE(poll.handshake_error);
  poll.write("GET /engine.io/?EIO=4&transport=polling&sid=" + sid + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  // Parked: nothing to send before the next ping (25 s). The client gives up
  // with a close_notify and keeps its TCP connection open: only the records
  // say it left.
  ASSERT_TRUE(log_.wait_for("\"sid\":\"" + sid + "\"")) << "session opened";
  // One-way (as the gateway does): ours is sent, the server's not awaited.
  SSL_set_shutdown(poll.stream().native_handle(), SSL_RECEIVED_SHUTDOWN);
  boost::system::error_code ec;
  poll.stream().shutdown(ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(log_.wait_for(R"("type":"session_closed","sid":")" + sid + "\""));
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
