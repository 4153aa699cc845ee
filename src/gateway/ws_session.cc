// One WebSocket connection carrying an Engine.IO session: either the
// session's first transport (EIO=4&transport=websocket, no sid), or a probe
// upgrading a long-polling session (with sid).
//
// The framing is ours (ws_frame.h), not beast::websocket::stream's, so that
// every byte leaves through one ordered path: each flush gathers the 101
// answer, control replies and every frame waiting in the session into ONE
// writev (the kernel's per-send cost dominated fan-out when each frame was
// its own send). A frame's payload is the session's shared Frame buffer (a
// broadcast encodes it once for all recipients); only the 2-10 byte header is
// per connection.
//
// Every write has a deadline (GatewayOptions::write_timeout_ms): a peer that
// stops reading cannot hold its fd and its queued output for ever. A session
// whose output overflowed is aborted: the socket closes at once, without the
// closing handshake a non-reading peer would never complete.
//
// Reading holds no per-connection buffer while idle: the socket is watched
// for readability and read into a per-thread scratch buffer; only the tail of
// an incomplete frame is copied into the connection.
//
// Over TLS (TlsTransport) the same session writes the same gathered buffers
// through the TLS stream, which packs them into records of up to 16 KB:
// every write is asynchronous there (an SSL write cannot be tried and
// abandoned), and reads complete into a per-connection buffer (decrypted
// bytes may wait inside OpenSSL, unseen by a readiness watch).
#include <array>
#include <chrono>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "gateway/beast_adapters.h"
#include "gateway/ws_frame.h"
#include "gateway/ws_transport.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxBuffersPerWrite = 64;  // 32 frames (header + payload): Asio sends at most 64 iovecs per call
constexpr std::size_t kMaxBytesPerWrite = 256 * 1024;
constexpr auto kCloseTimeout = std::chrono::seconds(5);  // waiting for the peer's close frame

std::string handshake_error(int status) {
  // Like beast::websocket's refusals: 426 names the version we speak.
  if (status == 426) {
    return "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  }
  if (status == 503) {
    return "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  }
  return "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
}

template <class Transport>
class WsSession final : public WsPort, public Closable, public std::enable_shared_from_this<WsSession<Transport>> {
 public:
  WsSession(std::shared_ptr<ConnectionHost> server, Transport transport)
      : server_(std::move(server)), transport_(std::move(transport)), parser_(server_->limits().max_payload) {}
  ~WsSession() override { server_->untrack(track_id_); }

  void run(const Request& request, EngineRoute route, HandshakeInfo handshake, bool engine_only,
           std::string_view remote_address) {
    track_id_ = server_->track(this->weak_from_this());
    const auto key = request[http::field::sec_websocket_key];
    if (request.method() != http::verb::get || request.version() != 11 || !ws::valid_client_key(key)) {
      return refuse(400);
    }
    if (request[http::field::sec_websocket_version] != "13") return refuse(426);
    control_ =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nServer: scansync-gateway\r\n"
        "Sec-WebSocket-Accept: " +
        ws::accept_key(key) + "\r\n\r\n";

    channel_ = server_->next_channel();
    if (server_->stopping()) {
      queue_close(ws::kCloseNormal, "");
    } else if (route.kind == EngineRoute::handshake) {
      host_ = server_->create_session(TransportKind::websocket, channel_, std::move(handshake), engine_only,
                                      remote_address);
      if (!host_) return refuse(503);  // pending-handshake caps
    } else {
      host_ = server_->find_session(route.sid);
      // Already upgrading or upgraded: accepted, then closed (as the reference does).
      if (!host_ || !host_->engine().begin_upgrade(channel_, Clock::now())) {
        host_.reset();
        queue_close(ws::kCloseNormal, "");
      }
    }
    wait_readable();
    if (host_) {
      host_->add_ws(channel_, this->weak_from_this());
      host_->pump();  // writes the 101 with the session's first frames
    } else {
      flush();
    }
  }

  void pump() override { flush(); }

  void shutdown() override {
    // A WebSocket with a session closes through it (drain, then close);
    // one without (refused upgrade) has nothing to say.
    if (!host_ && !close_queued_) {
      queue_close(ws::kCloseNormal, "");
      flush();
    }
  }

 private:
  struct Outgoing {
    Frame frame;
    ws::Header header;
  };

  void refuse(int status) {
    control_ = handshake_error(status);
    close_queued_ = true;
    peer_closed_ = true;  // nothing to wait for: close the socket once written
    flush();
  }

  // --- writing

  void queue_close(std::uint16_t code, std::string_view reason) {
    if (close_queued_) return;
    close_queued_ = true;
    control_ += ws::encode_close(code, reason);
  }

  void flush() {
    if (dead_) return;
    // Checked before writing_: an overflow happens while a write is stuck.
    // Closing the socket ends that write; its buffers live until on_write.
    if (host_ && host_->engine().aborted()) return lost();
    if (writing_) return;
    if (!close_queued_ && host_) {
      std::size_t bytes = 0;
      while (out_.size() * 2 < kMaxBuffersPerWrite && bytes < kMaxBytesPerWrite) {
        auto f = host_->engine().take_ws_frame(channel_);
        if (!f) break;
        bytes += f->size();
        const auto op = f->binary ? ws::Opcode::binary : ws::Opcode::text;
        const auto size = f->size();
        out_.push_back(Outgoing{std::move(*f), ws::encode_header(op, size)});
      }
      if (out_.empty() && !host_->engine().ws_channel_alive(channel_)) {
        queue_close(ws::kCloseNormal, host_->engine().closed() ? host_->engine().close_reason() : "");
      }
    }
    if (out_.empty() && control_.empty()) {
      out_ = {};  // an idle connection keeps no write buffers
      buffers_ = {};
      return;
    }
    writing_control_ = std::move(control_);
    control_.clear();
    close_in_write_ = close_queued_;
    buffers_.clear();
    if (!writing_control_.empty()) buffers_.emplace_back(writing_control_.data(), writing_control_.size());
    for (const auto& o : out_) {
      buffers_.emplace_back(o.header.bytes.data(), o.header.size);
      if (o.frame.size() > 0) buffers_.emplace_back(o.frame.bytes->data(), o.frame.bytes->size());
    }
    // The socket is non-blocking: try the write now. Usually the kernel takes
    // it all and no asynchronous operation (nor its allocation) is needed.
    beast::error_code ec;
    const std::size_t n = transport_.write_now(buffers_, ec);
    if (ec && !would_block(ec)) return on_write(ec);
    if (!ec && n == asio::buffer_size(buffers_)) {
      writing_ = true;  // on_write expects the state of a completed write
      return on_write(ec);
    }
    writing_ = true;
    arm_write_deadline();
    transport_.async_write(consume_written(ec ? 0 : n),
                           [self = this->shared_from_this()](beast::error_code e, std::size_t) { self->on_write(e); });
  }

  // The kernel did not take the whole write: the rest must leave within the
  // write timeout, or the peer is not reading and the connection is closed.
  void arm_write_deadline() {
    if (!write_timer_) write_timer_ = std::make_unique<asio::steady_timer>(transport_.get_executor());
    write_timer_->expires_after(server_->limits().write_timeout);
    write_timer_->async_wait([self = this->shared_from_this()](beast::error_code e) {
      if (e || !self->writing_ || self->dead_) return;  // the write completed, or was re-armed
      self->server_->observer().notice(LogLevel::warn, "write_timeout",
                                       {{"detail", "output not drained in time; connection closed"}});
      self->lost();
    });
  }

  // Drops the first `n` written bytes from buffers_ (a partial write).
  const std::vector<asio::const_buffer>& consume_written(std::size_t n) {
    std::size_t i = 0;
    while (i < buffers_.size() && n >= buffers_[i].size()) n -= buffers_[i++].size();
    if (i < buffers_.size()) buffers_[i] += n;
    buffers_.erase(buffers_.begin(), buffers_.begin() + static_cast<std::ptrdiff_t>(i));
    return buffers_;
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (write_timer_) write_timer_->cancel();
    out_.clear();
    writing_control_ = {};
    if (dead_) return;  // closed by the write deadline meanwhile
    if (ec) return lost();
    if (close_in_write_) {
      if (peer_closed_) return close_socket();
      // Our close frame is out: wait (bounded) for the peer's answer.
      transport_.shutdown_send();
      close_timer_ = std::make_unique<asio::steady_timer>(transport_.get_executor(), kCloseTimeout);
      close_timer_->async_wait([self = this->shared_from_this()](beast::error_code e) {
        if (!e) self->close_socket();
      });
      return;
    }
    flush();
  }

  // --- reading

  void wait_readable() {
    transport_.async_read([self = this->shared_from_this()](beast::error_code ec, char* data, std::size_t n) {
      self->on_readable(ec, data, n);
    });
  }

  void on_readable(beast::error_code ec, char* data, std::size_t n) {
    if (dead_) return;
    if (ec) return lost();
    consume(data, n);
    if (dead_) return;
    if (peer_closed_) {
      if (!writing_ && close_in_write_) close_socket();
      return;  // nothing more to read
    }
    wait_readable();
  }

  void consume(char* data, std::size_t n) {
    char* base = data;
    std::size_t size = n;
    if (!pending_.empty()) {
      pending_.append(data, n);
      base = pending_.data();
      size = pending_.size();
    }
    std::size_t off = 0;
    std::size_t needed = 0;
    bool delivered = false;
    while (!peer_closed_) {
      // Per frame: a CONNECT accepted by the previous frame lifts the limit.
      if (host_) parser_.set_max_payload(host_->engine().message_limit());
      ws::Event e = parser_.next(base + off, size - off);
      if (e.kind == ws::Event::Kind::need_more) {
        needed = e.needed;
        break;
      }
      off += e.consumed;
      delivered |= handle(e);
    }
    if (peer_closed_) {
      pending_ = {};
    } else if (base == pending_.data()) {
      pending_.erase(0, off);
    } else {
      pending_.assign(base + off, size - off);
    }
    if (pending_.empty()) {
      pending_ = {};  // release: an idle connection keeps no read buffer
    } else if (needed > pending_.capacity()) {
      pending_.reserve(needed);  // bounded: the parser refuses frames over max_payload
    }
    if (delivered && host_) host_->pump();  // one pump per read: the replies gather into one write
    flush();
  }

  // true when the session heard something (it may have output to send).
  bool handle(const ws::Event& e) {
    using Kind = ws::Event::Kind;
    switch (e.kind) {
      case Kind::text:
      case Kind::binary:
        if (!host_ || close_queued_) return false;
        host_->engine().on_ws_frame(channel_, e.payload, e.kind == Kind::binary, Clock::now());
        return true;
      case Kind::ping:
        if (!close_queued_) control_ += ws::encode_frame(ws::Opcode::pong, e.payload);
        return false;
      case Kind::close:
        peer_closed_ = true;
        queue_close(e.code == ws::kCloseNoStatus ? ws::kCloseNormal : e.code, "");
        detach();  // pumps the session itself
        return false;
      case Kind::error:
        peer_closed_ = true;  // no more reading: close the socket once our close frame is out
        queue_close(e.code, "");
        detach();
        return false;
      case Kind::pong:
      case Kind::fragment:
      case Kind::need_more:
        return false;
    }
    return false;
  }

  // The WebSocket ends for the session (if it has one), which is pumped.
  void detach() {
    if (!host_) return;
    host_->engine().on_ws_closed(channel_);
    auto host = std::move(host_);
    host_.reset();
    host->pump();
  }

  void lost() {
    detach();
    close_socket();
  }

  void close_socket() {
    if (dead_) return;
    dead_ = true;
    transport_.close(/*notify=*/!writing_);
    if (close_timer_) close_timer_->cancel();
    if (write_timer_) write_timer_->cancel();
    pending_ = {};
  }

  std::shared_ptr<ConnectionHost> server_;  // the gateway, as far as a connection sees it
  Transport transport_;
  ws::Parser parser_;
  std::shared_ptr<SessionHost> host_;
  std::uint64_t channel_ = 0;
  std::uint64_t track_id_ = 0;
  std::string pending_;          // the start of an incomplete frame
  std::string control_;          // bytes to write before the next frames: 101, pongs, close
  std::string writing_control_;  // control_ of the write in flight
  std::vector<Outgoing> out_;    // frames of the write in flight (their buffers must live until it completes)
  std::vector<asio::const_buffer> buffers_;
  std::unique_ptr<asio::steady_timer> close_timer_;
  std::unique_ptr<asio::steady_timer> write_timer_;  // made on the first partial write: most connections never need it
  bool writing_ = false;
  bool close_queued_ = false;    // a close frame (or a refusal) is queued or written: nothing follows it
  bool close_in_write_ = false;  // the write in flight ends with it
  bool peer_closed_ = false;     // the peer closed, or broke the protocol: no more reading
  bool dead_ = false;            // socket closed
};

}  // namespace

void serve_websocket(const std::shared_ptr<ConnectionHost>& server, beast::tcp_stream stream, Request request,
                     EngineRoute route, HandshakeInfo handshake, bool engine_only, std::string remote_address) {
  std::make_shared<WsSession<TcpTransport>>(server, TcpTransport(stream.release_socket()))
      ->run(request, std::move(route), std::move(handshake), engine_only, remote_address);
}

void serve_websocket(const std::shared_ptr<ConnectionHost>& server, TlsStream stream, Request request,
                     EngineRoute route, HandshakeInfo handshake, bool engine_only, std::string remote_address) {
  stream.tcp_layer().expires_never();  // the session keeps its own deadlines
  std::make_shared<WsSession<TlsTransport>>(server, TlsTransport(std::move(stream)))
      ->run(request, std::move(route), std::move(handshake), engine_only, remote_address);
}

}  // namespace scansync::gateway
