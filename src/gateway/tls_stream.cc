// The TLS side of the gateway (the only translation unit with asio::ssl):
// TlsStream, and serve_tls, which runs the handshake of an accepted
// connection and hands it to the HTTP session (http_session.cc).
#include "gateway/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "gateway/accepted_connection.h"
#include "gateway/tls_context.h"

namespace scansync::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct TlsStream::Impl {
  Impl(std::shared_ptr<TlsContext> c, tcp::socket socket)
      : context(std::move(c)), stream(beast::tcp_stream(std::move(socket)), context->native()) {}
  std::shared_ptr<TlsContext> context;  // outlives the stream's SSL object
  ssl::stream<beast::tcp_stream> stream;
  std::string staging;  // the plaintext of the write in flight
};

TlsStream::TlsStream(std::shared_ptr<TlsContext> context, tcp::socket socket)
    : impl_(std::make_unique<Impl>(std::move(context), std::move(socket))) {}
TlsStream::TlsStream(TlsStream&&) noexcept = default;
TlsStream& TlsStream::operator=(TlsStream&&) noexcept = default;
TlsStream::~TlsStream() = default;

TlsStream::executor_type TlsStream::get_executor() { return impl_->stream.get_executor(); }

beast::tcp_stream& TlsStream::tcp_layer() { return impl_->stream.next_layer(); }

// The type-erased handlers are called from lambdas, not handed to asio::ssl:
// Boost 1.81's any_completion_handler cannot be posted by it.
void TlsStream::async_handshake(asio::any_completion_handler<void(boost::system::error_code)> done) {
  impl_->stream.async_handshake(ssl::stream_base::server, [done = std::move(done)](boost::system::error_code ec) mutable {
    std::move(done)(ec);
  });
}

asio::mutable_buffer TlsStream::staging(std::size_t size) {
  impl_->staging.resize(size);
  return asio::buffer(impl_->staging);
}

void TlsStream::start_read(asio::mutable_buffer into, IoHandler done) {
  impl_->stream.async_read_some(into, [done = std::move(done)](boost::system::error_code ec, std::size_t n) mutable {
    std::move(done)(ec, n);
  });
}

void TlsStream::start_write(IoHandler done) {
  // The staging string lives in Impl, which outlives the operation (the
  // stream's owner keeps it while a write is outstanding).
  impl_->stream.async_write_some(asio::buffer(impl_->staging),
                                 [impl = impl_.get(), done = std::move(done)](boost::system::error_code ec,
                                                                              std::size_t n) mutable {
                                   std::string().swap(impl->staging);  // an idle connection keeps no write buffer
                                   std::move(done)(ec, n);
                                 });
}

void TlsStream::close(bool notify) {
  auto& socket = tcp_layer().socket();
  boost::system::error_code ec;
  if (notify && socket.is_open()) {
    // Marking the peer's close_notify as received makes SSL_shutdown send
    // ours and return instead of reading on for the answer. The socket is
    // non-blocking: the alert leaves now or not at all.
    socket.non_blocking(true, ec);
    SSL_set_shutdown(impl_->stream.native_handle(), SSL_RECEIVED_SHUTDOWN);
    impl_->stream.shutdown(ec);
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  tcp_layer().close();
}

bool TlsStream::is_plain_http(const boost::system::error_code& handshake_error) {
  return handshake_error.category() == asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(handshake_error.value())) == SSL_R_HTTP_REQUEST;
}

namespace {

// An accepted connection during its TLS handshake. Tracked, so that stop()
// closes it and max_connections counts it; bounded by the connect timeout,
// so that a peer that says nothing does not hold its descriptor.
class TlsHandshake final : public Closable, public std::enable_shared_from_this<TlsHandshake> {
 public:
  TlsHandshake(std::shared_ptr<ConnectionHost> server, std::shared_ptr<TlsContext> context, tcp::socket socket)
      : server_(std::move(server)),
        remote_(remote_address_of(socket)),
        stream_(std::move(context), std::move(socket)) {}
  ~TlsHandshake() override { server_->untrack(track_id_); }

  void run() {
    track_id_ = server_->track(weak_from_this());
    stream_.tcp_layer().expires_after(server_->limits().tls_handshake_timeout);
    stream_.async_handshake([self = shared_from_this()](boost::system::error_code ec) { self->on_handshake(ec); });
  }

  void shutdown() override {
    if (!done_) stream_.close(false);
  }

 private:
  void on_handshake(boost::system::error_code ec) {
    done_ = true;
    if (server_->stopping()) return stream_.close(!ec);
    if (ec) return fail(ec);
    stream_.tcp_layer().expires_never();
    serve_http(server_, std::move(stream_));
  }

  void fail(boost::system::error_code ec) {
    if (TlsStream::is_plain_http(ec)) answer_plain_http();
    server_->tls_handshake_failed(remote_, ec.message());
    stream_.close(false);
  }

  // What nginx does: a plain-text answer saying which scheme this port speaks.
  void answer_plain_http() {
    static const std::string kAnswer = [] {
      const std::string body = "This port speaks HTTPS: use https:// (or wss://).\n";
      return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=UTF-8\r\nConnection: close\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    auto& socket = stream_.tcp_layer().socket();
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    // What is left of the request first, so that closing does not reset the answer away.
    char sink[4096];
    while (!ec && socket.read_some(asio::buffer(sink), ec) > 0) {
    }
    ec = {};
    asio::write(socket, asio::buffer(kAnswer), ec);  // small: the empty send buffer takes it at once
  }

  std::shared_ptr<ConnectionHost> server_;
  std::string remote_;
  TlsStream stream_;
  std::uint64_t track_id_ = 0;
  bool done_ = false;
};

}  // namespace

void serve_tls(const std::shared_ptr<ConnectionHost>& server, std::shared_ptr<TlsContext> context, tcp::socket socket) {
  std::make_shared<TlsHandshake>(server, std::move(context), std::move(socket))->run();
}

}  // namespace scansync::gateway
