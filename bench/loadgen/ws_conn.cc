// The only translation unit of the load generator that includes Beast.
#include "ws_conn.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

namespace scansync::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

class BeastConn final : public WsConn, public std::enable_shared_from_this<BeastConn> {
 public:
  BeastConn(asio::io_context& io, ConnTarget target, ReadyHandler on_ready)
      : ws_(io), target_(std::move(target)), on_ready_(std::move(on_ready)) {}

  void run() {
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    const auto server = asio::ip::make_address(target_.host, ec);
    if (ec) return fail("bad host");
    sock.open(server.is_v4() ? tcp::v4() : tcp::v6(), ec);
    if (ec) return fail("socket: " + ec.message());
    if (!target_.source_address.empty()) {
      sock.bind(tcp::endpoint(asio::ip::make_address(target_.source_address, ec), 0), ec);
      if (ec) return fail("bind " + target_.source_address + ": " + ec.message());
    }
    sock.async_connect(tcp::endpoint(server, target_.port), [self = shared_from_this()](beast::error_code e) {
      if (e) return self->fail("connect: " + e.message());
      self->on_tcp_connected();
    });
  }

  void on_text(TextHandler h) override { on_text_ = std::move(h); }
  void on_closed(ClosedHandler h) override { on_closed_ = std::move(h); }
  bool ready() const override { return state_ == State::ready; }

  void send(std::string frame) override {
    if (state_ == State::closed) return;
    outq_.push_back(std::move(frame));
    if (!writing_) write_next();
  }

  void close() override {
    if (state_ == State::closed) return;
    state_ = State::closed;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  enum class State { connecting, await_open, await_connect, await_join, ready, closed };

  void on_tcp_connected() {
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.read_message_max(64u << 20);
    ws_.text(true);
    ws_.async_handshake(target_.host + ":" + std::to_string(target_.port), "/socket.io/?EIO=4&transport=websocket",
                        [self = shared_from_this()](beast::error_code e) {
                          if (e) return self->fail("websocket handshake: " + e.message());
                          self->state_ = State::await_open;
                          self->read_next();
                        });
  }

  void read_next() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code e, std::size_t) {
      if (e) return self->fail("read: " + e.message());
      const auto data = self->buf_.cdata();
      self->handle(std::string_view(static_cast<const char*>(data.data()), data.size()));
      self->buf_.consume(self->buf_.size());
      if (self->state_ != State::closed) self->read_next();
    });
  }

  void handle(std::string_view frame) {
    if (frame == "2") return send("3");
    switch (state_) {
      case State::await_open:
        if (frame.empty() || frame[0] != '0') return fail("expected Engine.IO OPEN");
        state_ = State::await_connect;
        return send(R"(40{"token":")" + target_.token + R"("})");
      case State::await_connect:
        if (frame.rfind("40", 0) != 0) return fail("CONNECT refused: " + std::string(frame.substr(0, 200)));
        state_ = State::await_join;
        return send(R"(420["room:join",{}])");
      case State::await_join:
        if (frame.rfind(R"(430[{"ok":true)", 0) != 0) return fail("room:join: " + std::string(frame.substr(0, 200)));
        state_ = State::ready;
        if (auto h = std::exchange(on_ready_, nullptr)) h(true, {});
        return;
      case State::ready:
        if (on_text_) on_text_(frame);
        return;
      case State::connecting:
      case State::closed:
        return;
    }
  }

  void write_next() {
    if (outq_.empty() || state_ == State::closed) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_.async_write(asio::buffer(outq_.front()), [self = shared_from_this()](beast::error_code e, std::size_t) {
      if (e) return self->fail("write: " + e.message());
      self->outq_.pop_front();
      self->write_next();
    });
  }

  void fail(std::string why) {
    const bool was_closed = state_ == State::closed;
    close();
    if (auto h = std::exchange(on_ready_, nullptr)) return h(false, why);
    if (!was_closed && on_closed_) on_closed_(why);
  }

  websocket::stream<beast::tcp_stream> ws_;
  ConnTarget target_;
  ReadyHandler on_ready_;
  TextHandler on_text_;
  ClosedHandler on_closed_;
  beast::flat_buffer buf_;
  std::deque<std::string> outq_;
  bool writing_ = false;
  State state_ = State::connecting;
};

}  // namespace

std::shared_ptr<WsConn> WsConn::start(asio::io_context& io, const ConnTarget& target, ReadyHandler on_ready) {
  auto c = std::make_shared<BeastConn>(io, target, std::move(on_ready));
  c->run();
  return c;
}

}  // namespace scansync::bench
