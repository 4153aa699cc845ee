#pragma once
// One TLS connection of the gateway: an asio::ssl::stream over a
// beast::tcp_stream (whose timeouts bound every TLS operation), behind a
// header without OpenSSL, so that http_session.cc and ws_session.cc drive it
// like their plain streams and only tls_stream.cc compiles the SSL code.
//
// An AsyncReadStream and AsyncWriteStream: Beast's parser and serializer run
// on it. A write gathers its buffers into one TLS record of up to 16 KB (one
// SSL_write, one send), as the plain WebSocket path gathers its frames into
// one writev; asio::ssl alone would make a record, and a send, of every
// buffer. At most one read and one write may be outstanding at a time.
#include <algorithm>
#include <cstddef>
#include <memory>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace scansync::gateway {

class TlsContext;

class TlsStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using IoHandler = boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  static constexpr std::size_t kRecordSize = 16 * 1024;  // the most plaintext one TLS record carries

  TlsStream(std::shared_ptr<TlsContext> context, boost::asio::ip::tcp::socket socket);
  TlsStream(TlsStream&&) noexcept;
  TlsStream& operator=(TlsStream&&) noexcept;
  ~TlsStream();

  executor_type get_executor();
  boost::beast::tcp_stream& tcp_layer();  // the layer under TLS: the socket, the timeouts

  void async_handshake(boost::asio::any_completion_handler<void(boost::system::error_code)> done);

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, boost::asio::mutable_buffer b) { start_read(b, std::move(handler)); }, token,
        first_buffer(buffers));
  }

  // Writes a prefix of `buffers` (up to kRecordSize bytes) as one record.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          boost::asio::buffer_copy(staging(std::min(boost::asio::buffer_size(b), kRecordSize)), b);
          start_write(std::move(handler));
        },
        token, buffers);
  }

  // Closes the socket. `notify`: first a close_notify, one-way and only if
  // the kernel takes it at once (a peer that does not read must not hold the
  // connection); only when no write is in flight, which it would interleave.
  void close(bool notify);

  // A failed handshake whose peer spoke plain HTTP to this port.
  static bool is_plain_http(const boost::system::error_code& handshake_error);

 private:
  struct Impl;

  template <class MutableBuffers>
  static boost::asio::mutable_buffer first_buffer(const MutableBuffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return b;
    }
    return {};
  }
  // Where the next write's bytes go; held until that write completes.
  boost::asio::mutable_buffer staging(std::size_t size);
  void start_read(boost::asio::mutable_buffer into, IoHandler done);
  void start_write(IoHandler done);

  std::unique_ptr<Impl> impl_;
};

}  // namespace scansync::gateway
