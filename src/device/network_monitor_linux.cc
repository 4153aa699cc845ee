// LinuxNetworkMonitor: the thin adapter around NetlinkSession. It owns the
// rtnetlink socket, an eventfd that stop() writes, and one thread that polls
// both, feeds the session and runs the handler. All protocol decisions are
// the session's.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <utility>
#include <vector>

#include "network_monitor_session.h"
#include "scansync/device/network_monitor.h"

namespace scansync::device {
namespace {

std::error_code last_errno() { return {errno, std::system_category()}; }

// Datagrams larger than this are truncated by the kernel (MSG_TRUNC) and
// handled as an overrun. Dump chunks are at most 32 KiB.
constexpr std::size_t kReceiveBuffer = 64 * 1024;
// Datagrams read before the state is looked at again, so a flood cannot
// postpone a report indefinitely.
constexpr int kBatch = 64;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

struct LinuxNetworkMonitor::Impl {
  Impl(Fd netlink, Fd wake, std::uint32_t port) : sock(std::move(netlink)), stop_fd(std::move(wake)), port_id(port) {}

  void run(const Handler& handler);
  std::error_code send_requests(NetlinkSession& session);
  // Reads what is queued; false (with error set) when the socket failed.
  bool read_batch(NetlinkSession& session, std::error_code& error);
  void give_up(std::error_code why, const Handler& handler, std::optional<bool>& reported);
  void report(bool value, const Handler& handler, std::optional<bool>& reported);

  const Fd sock;
  const Fd stop_fd;
  const std::uint32_t port_id;

  std::mutex lifecycle;  // serialises start()/stop() from outside the handler
  std::thread thread;
  std::atomic<std::thread::id> thread_id{};  // the monitor thread while it runs h's loop
  std::atomic<bool> stopping{false};
  std::atomic<bool> is_online{false};
  std::atomic<std::size_t> overruns{0};
  std::uint32_t next_seq = 1;  // carried across restarts; touched by the monitor thread only

  mutable std::mutex error_mu;
  std::error_code error;
  std::vector<std::byte> buffer = std::vector<std::byte>(kReceiveBuffer);
};

Result<std::unique_ptr<LinuxNetworkMonitor>> LinuxNetworkMonitor::create(Options options) {
  Fd sock(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (sock.get() < 0) return last_errno();
  const int rcvbuf = options.receive_buffer_bytes;
  // FORCE passes rmem_max when we are privileged; otherwise the plain option caps.
  if (::setsockopt(sock.get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0 &&
      ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0) {
    return last_errno();
  }
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  // Addresses too: losing the last one flushes a link's IPv4 routes silently.
  addr.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (::bind(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return last_errno();
  socklen_t len = sizeof addr;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return last_errno();
  Fd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake.get() < 0) return last_errno();
  auto impl = std::make_unique<Impl>(std::move(sock), std::move(wake), addr.nl_pid);
  return std::unique_ptr<LinuxNetworkMonitor>(new LinuxNetworkMonitor(std::move(impl)));
}

LinuxNetworkMonitor::LinuxNetworkMonitor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LinuxNetworkMonitor::~LinuxNetworkMonitor() { stop(); }

void LinuxNetworkMonitor::start(Handler handler) {
  if (impl_->thread_id.load() == std::this_thread::get_id()) return;  // inside h: started already
  std::lock_guard lock(impl_->lifecycle);
  if (impl_->thread.joinable()) {
    if (!impl_->stopping.load()) return;  // started
    impl_->thread.join();                 // stopped from inside h; that thread is finishing
  }
  std::uint64_t drained;
  while (::read(impl_->stop_fd.get(), &drained, sizeof drained) > 0) {
  }
  impl_->stopping.store(false);
  {
    std::lock_guard e(impl_->error_mu);
    impl_->error = {};
  }
  Impl* impl = impl_.get();
  try {
    impl_->thread = std::thread([impl, h = handler] { impl->run(h); });
  } catch (const std::system_error& e) {
    // No thread: we cannot watch, so fail open on the caller's thread.
    std::optional<bool> reported;
    impl_->give_up(e.code(), handler, reported);
  }
}

void LinuxNetworkMonitor::stop() {
  std::uint64_t one = 1;
  if (impl_->thread_id.load() == std::this_thread::get_id()) {
    // Inside h: we cannot join ourselves. The loop ends when h returns.
    impl_->stopping.store(true);
    (void)!::write(impl_->stop_fd.get(), &one, sizeof one);
    return;
  }
  std::lock_guard lock(impl_->lifecycle);
  if (!impl_->thread.joinable()) return;
  impl_->stopping.store(true);
  (void)!::write(impl_->stop_fd.get(), &one, sizeof one);
  impl_->thread.join();
}

bool LinuxNetworkMonitor::online() const { return impl_->is_online.load(); }

std::error_code LinuxNetworkMonitor::last_error() const {
  std::lock_guard lock(impl_->error_mu);
  return impl_->error;
}

std::size_t LinuxNetworkMonitor::overruns() const { return impl_->overruns.load(); }

void LinuxNetworkMonitor::Impl::report(bool value, const Handler& handler, std::optional<bool>& reported) {
  if (reported == value) return;
  reported = value;
  is_online.store(value);
  if (handler) handler(value);
}

void LinuxNetworkMonitor::Impl::give_up(std::error_code why, const Handler& handler, std::optional<bool>& reported) {
  {
    std::lock_guard lock(error_mu);
    error = why;
  }
  report(true, handler, reported);  // fail open: see the header
}

std::error_code LinuxNetworkMonitor::Impl::send_requests(NetlinkSession& session) {
  while (auto request = session.next_request()) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t n;
    do {  // the session now awaits this request's replies: it must go out
      n = ::sendto(sock.get(), request->data(), request->size(), 0, reinterpret_cast<const sockaddr*>(&kernel),
                   sizeof kernel);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return last_errno();
    if (static_cast<std::size_t>(n) != request->size()) return std::make_error_code(std::errc::message_size);
  }
  return {};
}

void LinuxNetworkMonitor::Impl::run(const Handler& handler) {
  thread_id.store(std::this_thread::get_id());
  NetlinkSession session(port_id, next_seq);
  std::optional<bool> reported;
  while (!stopping.load()) {
    if (auto ec = send_requests(session)) {
      give_up(ec, handler, reported);
      break;
    }
    if (session.failure()) {
      give_up(session.failure(), handler, reported);
      break;
    }
    if (session.synced()) report(session.online(), handler, reported);
    if (stopping.load()) break;  // stop() from inside h

    // POLLERR on the netlink fd is how a pending ENOBUFS shows; recvmsg reports it.
    pollfd fds[2] = {{sock.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      give_up(last_errno(), handler, reported);
      break;
    }
    if (fds[1].revents != 0) break;
    std::error_code error;
    if (!read_batch(session, error)) {
      give_up(error, handler, reported);
      break;
    }
  }
  next_seq = session.next_seq();
  thread_id.store(std::thread::id{});
}

bool LinuxNetworkMonitor::Impl::read_batch(NetlinkSession& session, std::error_code& error) {
  for (int i = 0; i < kBatch; ++i) {
    sockaddr_nl from{};
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const auto n = ::recvmsg(sock.get(), &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // the kernel dropped notifications: re-dump
        session.on_overrun();
        overruns.fetch_add(1);
        continue;
      }
      error = last_errno();
      return false;
    }
    if (msg.msg_flags & MSG_TRUNC) {
      session.on_overrun();
      overruns.fetch_add(1);
      continue;
    }
    if (msg.msg_namelen < sizeof from || from.nl_pid != 0) continue;  // only the kernel speaks here
    (void)session.receive(std::span(buffer.data(), static_cast<std::size_t>(n)));
  }
  return true;
}

}  // namespace scansync::device
