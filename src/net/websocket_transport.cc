// The only translation unit that includes Boost.Beast: it is slow to compile.
#include "net/websocket_transport.h"

#include <deque>
#include <string>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/ssl.h>

namespace scansync::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using beast::error_code;

using PlainStream = websocket::stream<beast::tcp_stream>;
using TlsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

struct Target {
  std::string host;         // for DNS, SNI and certificate checks
  std::string port;
  std::string host_header;  // "host:port", IPv6 in brackets
  std::string path;
  std::string url_query;
  bool verify_host = true;  // false only with insecure_skip_verify_dangerous
};

// One connection. Invariants: every method and completion runs on the
// strand; `silenced_` set => no handler is invoked any more; `aborted_` set
// => no new I/O is started. Pending operations hold a shared_ptr to the
// session, so it outlives its owner's pointer until they complete.
template <class Stream>
class Session final : public WebSocketTransport, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(asio::any_io_executor ex, std::shared_ptr<const Target> target, std::size_t max_payload,
          TransportHandlers handlers)
    requires std::is_same_v<Stream, PlainStream>
      : target_(std::move(target)), max_payload_(max_payload), handlers_(std::move(handlers)), resolver_(ex), ws_(ex) {}

  Session(asio::any_io_executor ex, std::shared_ptr<const Target> target, std::size_t max_payload,
          TransportHandlers handlers, std::shared_ptr<ssl::context> tls)
    requires std::is_same_v<Stream, TlsStream>
      : target_(std::move(target)),
        max_payload_(max_payload),
        handlers_(std::move(handlers)),
        tls_(std::move(tls)),
        resolver_(ex),
        ws_(ex, *tls_) {}

  void start(std::string_view query) {
    request_target_ = target_->path + "?" + std::string(query);
    if (!target_->url_query.empty()) request_target_ += "&" + target_->url_query;
    resolver_.async_resolve(target_->host, target_->port,
                            [self = this->shared_from_this()](error_code ec, tcp::resolver::results_type results) {
                              self->on_resolve(ec, std::move(results));
                            });
  }

  void send(std::string text) override {
    if (silenced_ || closing_) return;
    queue_.push_back(std::move(text));
    if (open_ && !writing_) write_next();
  }

  void close() override {
    if (silenced_) return;
    silenced_ = true;
    closing_ = true;
    if (!open_) return abort_io();
    if (!writing_ && queue_.empty()) start_close();
    // else on_write flushes the queue and then closes.
  }

  void abort() override {
    silenced_ = true;
    abort_io();
  }

 private:
  void abort_io() {
    if (aborted_) return;
    aborted_ = true;
    resolver_.cancel();
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void fail(const char* stage, error_code ec) {
    if (silenced_) return;
    silenced_ = true;
    std::string why = std::string(stage) + ": " + ec.message();
    if (ec == websocket::error::closed) {
      why = "closed by server (code " + std::to_string(ws_.reason().code) + ")";
    }
    abort_io();
    if (handlers_.on_closed) handlers_.on_closed(why);
  }

  void on_resolve(error_code ec, tcp::resolver::results_type results) {
    if (aborted_) return;
    if (ec) return fail("resolve", ec);
    beast::get_lowest_layer(ws_).async_connect(
        results, [self = this->shared_from_this()](error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
  }

  void on_connect(error_code ec) {
    if (aborted_) return;
    if (ec) return fail("connect", ec);
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      auto& tls = ws_.next_layer();
      // SNI is for names only (RFC 6066 §3); the certificate check covers both.
      if (!is_ip_literal(target_->host) && !SSL_set_tlsext_host_name(tls.native_handle(), target_->host.c_str())) {
        return fail("tls setup", error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
      }
      if (target_->verify_host) tls.set_verify_callback(ssl::host_name_verification(target_->host));
      tls.async_handshake(ssl::stream_base::client,
                          [self = this->shared_from_this()](error_code ec) { self->on_tls_handshake(ec); });
    } else {
      ws_handshake();
    }
  }

  void on_tls_handshake(error_code ec) {
    if (aborted_) return;
    if (ec) return fail("tls handshake", ec);
    ws_handshake();
  }

  void ws_handshake() {
    // The Engine.IO heartbeat (run by the core) detects dead peers; Beast's
    // timeouts only bound the opening and closing handshakes.
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "scansync-native"); }));
    ws_.read_message_max(max_payload_);
    ws_.async_handshake(target_->host_header, request_target_,
                        [self = this->shared_from_this()](error_code ec) { self->on_ws_handshake(ec); });
  }

  void on_ws_handshake(error_code ec) {
    if (aborted_) return;
    if (ec) return fail("websocket handshake", ec);
    open_ = true;
    read_next();
    if (!queue_.empty()) write_next();
    if (!silenced_ && handlers_.on_open) handlers_.on_open();
  }

  void read_next() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (aborted_ || silenced_) return;  // after close() the read only drains the close handshake
    if (ec) return fail("read", ec);
    const auto data = buffer_.cdata();
    const std::string_view message(static_cast<const char*>(data.data()), data.size());
    if (ws_.got_text()) {
      if (handlers_.on_text) handlers_.on_text(message);
    } else if (handlers_.on_binary) {
      handlers_.on_binary(message);
    }
    buffer_.clear();
    if (!aborted_ && !silenced_) read_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    writing_ = false;
    if (aborted_) return;
    if (ec) {
      if (closing_) return abort_io();
      return fail("write", ec);
    }
    queue_.pop_front();
    if (!queue_.empty()) return write_next();
    if (closing_) start_close();
  }

  void start_close() {
    ws_.async_close(websocket::close_code::normal, [self = this->shared_from_this()](error_code) {
      // Done, orderly or not: make sure the socket is gone.
      self->abort_io();
    });
  }

  // Shared with the connector: a session may outlive it while its last
  // operations complete.
  std::shared_ptr<const Target> target_;
  std::size_t max_payload_;
  TransportHandlers handlers_;
  std::shared_ptr<ssl::context> tls_;  // TLS sessions only; the stream refers to it
  tcp::resolver resolver_;
  Stream ws_;
  std::string request_target_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool silenced_ = false;
  bool aborted_ = false;
};

class Connector final : public WebSocketConnector {
 public:
  Connector(asio::any_io_executor ex, Target target, std::shared_ptr<ssl::context> tls, std::size_t max_payload)
      : ex_(std::move(ex)),
        target_(std::make_shared<Target>(std::move(target))),
        tls_(std::move(tls)),
        max_payload_(max_payload) {}

  std::shared_ptr<WebSocketTransport> open(std::string_view query, TransportHandlers handlers) override {
    if (tls_) {
      auto session = std::make_shared<Session<TlsStream>>(ex_, target_, max_payload_, std::move(handlers), tls_);
      session->start(query);
      return session;
    }
    auto session = std::make_shared<Session<PlainStream>>(ex_, target_, max_payload_, std::move(handlers));
    session->start(query);
    return session;
  }

 private:
  asio::any_io_executor ex_;
  std::shared_ptr<const Target> target_;
  std::shared_ptr<ssl::context> tls_;
  std::size_t max_payload_;
};

Result<std::shared_ptr<ssl::context>> make_tls_context(const client::TlsOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return make_error_code(client::native_errc::tls_setup);
  }
  if (options.insecure_skip_verify_dangerous) {
    ctx->set_verify_mode(ssl::verify_none);
    return ctx;
  }
  error_code ec;
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!ec) ctx->set_default_verify_paths(ec);
  if (ec) return make_error_code(client::native_errc::tls_setup);
  if (!options.ca_file.empty()) {
    ctx->load_verify_file(options.ca_file, ec);
    if (ec) return make_error_code(client::native_errc::bad_ca_file);
  }
  return ctx;
}

}  // namespace

Result<std::unique_ptr<WebSocketConnector>> WebSocketConnector::create(asio::any_io_executor executor,
                                                                       client::ServerUrl url,
                                                                       client::TlsOptions tls,
                                                                       std::size_t max_payload) {
  std::shared_ptr<ssl::context> ctx;
  if (url.tls) {
    auto made = make_tls_context(tls);
    if (!made) return made.error();
    ctx = std::move(*made);
  }
  Target target;
  target.host = url.host;
  target.port = std::to_string(url.port);
  const bool v6 = url.host.find(':') != std::string::npos;
  target.host_header = (v6 ? "[" + url.host + "]" : url.host) + ":" + target.port;
  target.path = url.path;
  target.url_query = url.query;
  target.verify_host = !tls.insecure_skip_verify_dangerous;
  return std::unique_ptr<WebSocketConnector>(
      std::make_unique<Connector>(std::move(executor), std::move(target), std::move(ctx), max_payload));
}

}  // namespace scansync::net
