#pragma once
// The bytes under a WebSocket session: the two transports WsSession is a
// template on (ws_session.cc, the only includer). Both write a gathered
// buffer sequence and hand reads to a callback that consumes them at once;
// they differ in how.
#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include "gateway/tls_stream.h"

namespace scansync::gateway {

inline bool would_block(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}

// Plain TCP. The socket is non-blocking: a write is tried at once, and a
// read waits for readability, then reads into a per-thread scratch buffer,
// so an idle connection holds no read buffer.
class TcpTransport {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  explicit TcpTransport(Socket socket) : socket_(std::move(socket)) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
  }
  auto get_executor() { return socket_.get_executor(); }

  // What the kernel takes now; would_block: nothing.
  std::size_t write_now(const std::vector<boost::asio::const_buffer>& buffers, boost::system::error_code& ec) {
    return socket_.write_some(buffers, ec);
  }
  template <class Handler>
  void async_write(const std::vector<boost::asio::const_buffer>& buffers, Handler&& done) {
    boost::asio::async_write(socket_, buffers, std::forward<Handler>(done));
  }
  // done(ec, data, size): `size` bytes at `data`, valid while it runs.
  template <class Handler>
  void async_read(Handler done) {
    socket_.async_wait(Socket::wait_read, [this, done = std::move(done)](boost::system::error_code ec) mutable {
      if (ec) return done(ec, nullptr, 0);
      char* scratch = scratch_buffer();
      const std::size_t n = socket_.read_some(boost::asio::buffer(scratch, kScratchSize), ec);
      if (would_block(ec)) return async_read(std::move(done));
      done(ec, scratch, n);
    });
  }
  void shutdown_send() {
    boost::system::error_code ec;
    socket_.shutdown(Socket::shutdown_send, ec);
  }
  void close(bool /*notify*/) {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  static constexpr std::size_t kScratchSize = 64 * 1024;
  // One per thread: each read is consumed before the next one starts.
  static char* scratch_buffer() {
    thread_local std::unique_ptr<char[]> scratch(new char[kScratchSize]);
    return scratch.get();
  }

  Socket socket_;
};

// TLS. Every write is asynchronous (an SSL write cannot be tried and
// abandoned); TlsStream packs the buffers into records of up to 16 KB. Reads
// complete into a per-connection buffer: decrypted bytes may wait inside
// OpenSSL, where a readiness watch would not see them.
class TlsTransport {
 public:
  explicit TlsTransport(TlsStream stream) : stream_(std::move(stream)) {}
  auto get_executor() { return stream_.get_executor(); }

  std::size_t write_now(const std::vector<boost::asio::const_buffer>&, boost::system::error_code& ec) {
    ec = boost::asio::error::would_block;
    return 0;
  }
  template <class Handler>
  void async_write(const std::vector<boost::asio::const_buffer>& buffers, Handler&& done) {
    boost::asio::async_write(stream_, buffers, std::forward<Handler>(done));
  }
  template <class Handler>
  void async_read(Handler done) {
    if (!buffer_) buffer_ = std::make_unique<char[]>(kReadSize);
    stream_.async_read_some(boost::asio::buffer(buffer_.get(), kReadSize),
                            [this, done = std::move(done)](boost::system::error_code ec, std::size_t n) mutable {
                              done(ec, buffer_.get(), n);
                            });
  }
  // Our close frame is out: nothing at the TLS level, whose close_notify
  // would end the reading of the peer's close frame too.
  void shutdown_send() {}
  void close(bool notify) { stream_.close(notify); }

 private:
  // Small: asio::ssl and OpenSSL already hold ~68 KB of record buffers per
  // connection, and a larger record is simply read in several pieces.
  static constexpr std::size_t kReadSize = 4096;
  TlsStream stream_;
  std::unique_ptr<char[]> buffer_;
};

}  // namespace scansync::gateway
