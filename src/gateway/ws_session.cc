// One WebSocket connection carrying an Engine.IO session: either the
// session's first transport (EIO=4&transport=websocket, no sid), or a probe
// upgrading a long-polling session (with sid). One read and at most one
// write outstanding; frames are pulled from the session one at a time.
#include <chrono>

#include <boost/beast/websocket.hpp>

#include "gateway/beast_adapters.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
namespace websocket = beast::websocket;

class WsSession final : public WsPort, public Closable, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(std::shared_ptr<Gateway::Impl> impl, beast::tcp_stream stream, EngineRoute route, HandshakeInfo handshake,
            bool engine_only)
      : impl_(std::move(impl)),
        ws_(stream.release_socket()),
        route_(std::move(route)),
        handshake_(std::move(handshake)),
        engine_only_(engine_only) {}
  ~WsSession() override { impl_->untrack(track_id_); }

  void run(Request request) {
    track_id_ = impl_->track(weak_from_this());
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(5);  // opening and closing handshakes
    timeouts.idle_timeout = websocket::stream_base::none();  // Engine.IO's heartbeat judges liveness
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.read_message_max(impl_->opts.max_payload);
    ws_.auto_fragment(false);  // one frame per message: less framing work, one write per packet
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "scansync-gateway"); }));
    request_ = std::move(request);
    ws_.async_accept(request_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  void pump() override {
    if (!host_ || writing_ || closing_) return;
    if (auto frame = host_->engine().take_ws_frame(channel_)) {
      writing_ = true;
      current_ = std::move(*frame);
      ws_.text(!current_.binary);
      ws_.async_write(asio::buffer(*current_.bytes), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->on_write(ec);
      });
      return;
    }
    if (!host_->engine().ws_channel_alive(channel_)) start_close();
  }

  void shutdown() override {
    // A WebSocket with a session closes through it (drain, then close);
    // one without (refused upgrade) has nothing to say.
    if (!host_ && !closing_) start_close();
  }

 private:
  void on_accept(beast::error_code ec) {
    request_ = {};
    if (ec) return;
    channel_ = impl_->next_channel();
    if (impl_->stopped) return start_close();
    if (route_.kind == EngineRoute::handshake) {
      host_ = impl_->create_session(TransportKind::websocket, channel_, std::move(handshake_), engine_only_);
    } else {
      host_ = impl_->find(route_.sid);
      // Already upgrading or upgraded: accepted, then closed (as the reference does).
      if (!host_ || !host_->engine().begin_upgrade(channel_, Clock::now())) {
        host_.reset();
        read();
        return start_close();
      }
    }
    host_->add_ws(channel_, weak_from_this());
    read();
    host_->pump();
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (host_) {
        host_->engine().on_ws_closed(channel_);
        host_->pump();
        host_.reset();
      }
      return;
    }
    if (host_) {
      const auto data = buffer_.cdata();
      std::string_view text(static_cast<const char*>(data.data()), data.size());
      host_->engine().on_ws_frame(channel_, text, ws_.got_binary(), Clock::now());
      buffer_.consume(buffer_.size());
      host_->pump();
    } else {
      buffer_.consume(buffer_.size());
    }
    read();  // keep reading while closing: the peer's close frame ends the read
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    current_ = {};
    if (ec) {
      if (host_) {
        host_->engine().on_ws_closed(channel_);
        host_->pump();
      }
      return;
    }
    pump();
  }

  void start_close() {
    if (closing_ || writing_) return;
    closing_ = true;
    std::string reason;
    if (host_ && host_->engine().closed()) reason = host_->engine().close_reason();
    if (reason.size() > 123) reason.resize(123);  // RFC 6455: the reason fits a control frame
    ws_.async_close(websocket::close_reason(websocket::close_code::normal, reason),
                    [self = shared_from_this()](beast::error_code) {});
  }

  std::shared_ptr<Gateway::Impl> impl_;
  // A plain socket below: the websocket stream keeps its own timeouts, and
  // beast::tcp_stream's per-operation timer bookkeeping showed in profiles.
  websocket::stream<asio::ip::tcp::socket> ws_;
  EngineRoute route_;
  HandshakeInfo handshake_;
  bool engine_only_;
  Request request_;
  beast::flat_buffer buffer_;
  std::shared_ptr<SessionHost> host_;
  std::uint64_t channel_ = 0;
  std::uint64_t track_id_ = 0;
  Frame current_;  // the frame being written: its buffer must live until the write completes
  bool writing_ = false;
  bool closing_ = false;
};

}  // namespace

void serve_websocket(const std::shared_ptr<Gateway::Impl>& impl, beast::tcp_stream stream, Request request,
                     EngineRoute route, HandshakeInfo handshake, bool engine_only) {
  std::make_shared<WsSession>(impl, std::move(stream), std::move(route), std::move(handshake), engine_only)
      ->run(std::move(request));
}

}  // namespace scansync::gateway
