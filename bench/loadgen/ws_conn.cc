#include "ws_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

namespace scansync::bench {
namespace {

constexpr std::size_t kScratchSize = 256 * 1024;
constexpr std::uint64_t kMaxMessage = 64u << 20;
// RFC 6455 section 1.3's example key and the accept value it must produce.
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

char* scratch() {
  static std::unique_ptr<char[]> buffer(new char[kScratchSize]);  // one thread
  return buffer.get();
}

union SockAddr {
  sockaddr base;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

bool make_address(const std::string& host, std::uint16_t port, SockAddr& out, socklen_t& len) {
  std::memset(&out, 0, sizeof out);
  if (inet_pton(AF_INET, host.c_str(), &out.v4.sin_addr) == 1) {
    out.v4.sin_family = AF_INET;
    out.v4.sin_port = htons(port);
    len = sizeof out.v4;
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &out.v6.sin6_addr) == 1) {
    out.v6.sin6_family = AF_INET6;
    out.v6.sin6_port = htons(port);
    len = sizeof out.v6;
    return true;
  }
  return false;
}

class RawConn final : public WsConn, public EventLoop::Watcher, public std::enable_shared_from_this<RawConn> {
 public:
  RawConn(EventLoop& loop, ConnTarget target, ReadyHandler on_ready)
      : loop_(loop), target_(std::move(target)), on_ready_(std::move(on_ready)) {
    thread_local std::mt19937 rng{std::random_device{}()};
    mask_ = rng();
  }
  ~RawConn() override { close_fd(); }

  void run() {
    SockAddr server{}, local{};
    socklen_t server_len = 0, local_len = 0;
    if (!make_address(target_.host, target_.port, server, server_len)) return fail("bad host " + target_.host);
    fd_ = ::socket(server.base.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
    if (!target_.source_address.empty()) {
      if (!make_address(target_.source_address, 0, local, local_len)) return fail("bad source address");
      if (::bind(fd_, &local.base, local_len) != 0) {
        return fail("bind " + target_.source_address + ": " + std::strerror(errno));
      }
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, &server.base, server_len) != 0 && errno != EINPROGRESS) {
      return fail(std::string("connect: ") + std::strerror(errno));
    }
    if (!loop_.watch(fd_, this)) return fail(std::string("epoll: ") + std::strerror(errno));
    state_ = State::connecting;
  }

  void on_text(TextHandler h) override { on_text_ = std::move(h); }
  void on_closed(ClosedHandler h) override { on_closed_ = std::move(h); }
  bool ready() const override { return state_ == State::ready; }

  void send(std::string_view message) override {
    if (state_ == State::closed) return;
    append_frame(0x1, message);
  }

  void close() override {
    state_ = State::closed;
    close_fd();
  }

  void on_events(std::uint32_t events) override {
    if (state_ == State::closed) return;
    if (state_ == State::connecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(std::string("connect: ") + std::strerror(err));
      state_ = State::upgrading;
      out_ = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + target_.host + ":" +
             std::to_string(target_.port) + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
             std::string(kKey) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
      flush();
      return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_all();
    if (state_ != State::closed && (events & EPOLLOUT) && !out_.empty()) flush();
  }

  void on_deferred() override {
    flush_deferred_ = false;
    flush();
  }

 private:
  enum class State { idle, connecting, upgrading, await_open, await_connect, await_join, ready, closed };

  // --- writing

  void append_frame(std::uint8_t opcode, std::string_view payload) {
    const std::size_t n = payload.size();
    out_.push_back(static_cast<char>(0x80 | opcode));
    if (n < 126) {
      out_.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xffff) {
      out_.push_back(static_cast<char>(0x80 | 126));
      out_.push_back(static_cast<char>(n >> 8));
      out_.push_back(static_cast<char>(n & 0xff));
    } else {
      out_.push_back(static_cast<char>(0x80 | 127));
      for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<char>((n >> shift) & 0xff));
    }
    char key[4];
    std::memcpy(key, &mask_, 4);
    out_.append(key, 4);
    const std::size_t at = out_.size();
    out_.append(payload);
    for (std::size_t i = 0; i < n; ++i) out_[at + i] = static_cast<char>(out_[at + i] ^ key[i & 3]);
    if (!flush_deferred_) {
      flush_deferred_ = true;
      loop_.defer(this);
    }
  }

  void flush() {
    while (!out_.empty() && state_ != State::closed) {
      const ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // EPOLLOUT resumes
        return fail(std::string("write: ") + std::strerror(errno));
      }
      out_.erase(0, static_cast<std::size_t>(n));
    }
  }

  // --- reading

  void read_all() {
    char* buf = scratch();
    while (state_ != State::closed) {
      const ssize_t n = ::read(fd_, buf, kScratchSize);
      if (n == 0) return fail("closed by the server");
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return fail(std::string("read: ") + std::strerror(errno));
      }
      consume(buf, static_cast<std::size_t>(n), Clock::now());
    }
  }

  void consume(const char* data, std::size_t n, Clock::time_point arrived) {
    const char* base = data;
    std::size_t size = n;
    if (!pending_.empty()) {
      pending_.append(data, n);
      base = pending_.data();
      size = pending_.size();
    }
    std::size_t off = 0;
    if (state_ == State::upgrading) {
      const std::string_view head(base, size);
      const auto end = head.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (size > 16 * 1024) return fail("upgrade response too long");
        if (base != pending_.data()) pending_.assign(base, size);
        return;
      }
      const auto response = head.substr(0, end);
      if (response.rfind("HTTP/1.1 101", 0) != 0 || response.find(kAccept) == std::string_view::npos) {
        return fail("websocket handshake: " + std::string(response.substr(0, response.find('\r'))));
      }
      state_ = State::await_open;
      off = end + 4;
    }
    // Frames in place; a message's view stays valid while it is handled
    // because pending_ is not touched until the loop ends.
    while (state_ != State::closed) {
      const std::size_t consumed = next_frame(base + off, size - off, arrived);
      if (consumed == 0) break;
      off += consumed;
    }
    if (state_ == State::closed) return;
    std::string tail(base + off, size - off);  // base may point into pending_
    pending_ = std::move(tail);
  }

  // Handles the frame at p if it is complete; returns its length, or 0.
  std::size_t next_frame(const char* p, std::size_t avail, Clock::time_point arrived) {
    if (avail < 2) return 0;
    const auto b0 = static_cast<std::uint8_t>(p[0]);
    const auto b1 = static_cast<std::uint8_t>(p[1]);
    if (b1 & 0x80) return fail("masked frame from the server"), 0;
    std::uint64_t len = b1 & 0x7f;
    std::size_t header = 2;
    if (len == 126) {
      if (avail < 4) return 0;
      len = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[2])) << 8) | static_cast<std::uint8_t>(p[3]);
      header = 4;
    } else if (len == 127) {
      if (avail < 10) return 0;
      len = 0;
      for (int i = 2; i < 10; ++i) len = (len << 8) | static_cast<std::uint8_t>(p[i]);
      header = 10;
    }
    if (len > kMaxMessage) return fail("frame over 64 MiB"), 0;
    if (avail - header < len) return 0;
    const std::string_view payload(p + header, static_cast<std::size_t>(len));
    const bool fin = b0 & 0x80;
    switch (b0 & 0x0f) {
      case 0x0:  // continuation
        fragments_.append(payload);
        if (fin) {
          const std::string message = std::move(fragments_);
          fragments_.clear();
          handle(message, arrived);
        }
        break;
      case 0x1:
      case 0x2:
        if (fin) {
          handle(payload, arrived);
        } else {
          fragments_.assign(payload);
        }
        break;
      case 0x8:
        fail("server sent close");
        break;
      case 0x9:
        append_frame(0xA, payload);
        break;
      default:  // pong, reserved
        break;
    }
    return header + static_cast<std::size_t>(len);
  }

  void handle(std::string_view message, Clock::time_point arrived) {
    if (message == "2") return send("3");
    switch (state_) {
      case State::await_open:
        if (message.empty() || message[0] != '0') return fail("expected Engine.IO OPEN");
        state_ = State::await_connect;
        return send(R"(40{"token":")" + target_.token + R"("})");
      case State::await_connect:
        if (message.rfind("40", 0) != 0) return fail("CONNECT refused: " + std::string(message.substr(0, 200)));
        state_ = State::await_join;
        return send(R"(420["room:join",{}])");
      case State::await_join:
        if (message.rfind(R"(430[{"ok":true)", 0) != 0) {
          return fail("room:join: " + std::string(message.substr(0, 200)));
        }
        state_ = State::ready;
        if (auto h = std::exchange(on_ready_, nullptr)) h(true, {});
        return;
      case State::ready:
        if (on_text_) on_text_(message, arrived);
        return;
      default:
        return;
    }
  }

  void fail(std::string why) {
    const bool was_closed = state_ == State::closed;
    close();
    if (auto h = std::exchange(on_ready_, nullptr)) return h(false, why);
    if (!was_closed && on_closed_) on_closed_(why);
  }

  void close_fd() {
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
  }

  EventLoop& loop_;
  ConnTarget target_;
  ReadyHandler on_ready_;
  TextHandler on_text_;
  ClosedHandler on_closed_;
  int fd_ = -1;
  std::uint32_t mask_ = 0;
  State state_ = State::idle;
  std::string out_;        // encoded frames not yet written
  std::string pending_;    // the start of an incomplete frame (or upgrade response)
  std::string fragments_;  // a fragmented message so far
  bool flush_deferred_ = false;
};

}  // namespace

std::shared_ptr<WsConn> WsConn::start(EventLoop& loop, const ConnTarget& target, ReadyHandler on_ready) {
  auto c = std::make_shared<RawConn>(loop, target, std::move(on_ready));
  c->run();
  return c;
}

}  // namespace scansync::bench
