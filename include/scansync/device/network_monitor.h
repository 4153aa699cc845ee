#pragma once
// NetworkMonitor: tells the mobile client whether the device has a network.
//
// The client goes offline at once when the network goes away (disconnect, no
// retries burning the battery) and online at once when it comes back (connect
// with the backoff reset). On a phone the platform knows (Android
// ConnectivityManager, iOS NWPathMonitor, through the app's bridge: use
// ManualNetworkMonitor); on Linux LinuxNetworkMonitor watches the kernel.
//
// Contract shared by every implementation (one conformance suite runs
// against each):
//   - start(h): h is called once with the current state, then only on
//     changes: two consecutive calls never carry the same value.
//   - Calls of h never overlap each other (the client's "one executor" rule);
//     h should only post the value to the client's executor and return.
//   - stop(): after it returns (on a thread other than the one running h),
//     h is not running and will not be called again. Idempotent. stop() may
//     be called from inside h: then it does not wait (it cannot), and h is not
//     called again after it returns. start() after stop() starts afresh (a
//     new initial call).
//   - online(): the last value passed to h (false before the first call).
//     Safe from any thread.
//   - start() while started is ignored. The destructor stops; it must not run
//     inside h.
// Which thread runs h is the implementation's to say (see each class).
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "scansync/result.h"

namespace scansync::device {

enum class network_monitor_errc {
  malformed_message = 1,  // a netlink datagram whose lengths do not add up (dropped; state re-dumped)
  not_from_kernel,        // a netlink datagram whose sender is not the kernel (dropped)
  dump_failed,            // the kernel refused a dump request several times in a row
  overrun,                // the kernel dropped notifications (ENOBUFS) or a datagram was truncated
};
const std::error_category& network_monitor_category();  // name "scansync.network_monitor"
inline std::error_code make_error_code(network_monitor_errc e) {
  return {static_cast<int>(e), network_monitor_category()};
}

}  // namespace scansync::device

template <>
struct std::is_error_code_enum<scansync::device::network_monitor_errc> : std::true_type {};

namespace scansync::device {

class NetworkMonitor {
 public:
  using Handler = std::function<void(bool online)>;
  virtual ~NetworkMonitor() = default;
  virtual void start(Handler handler) = 0;
  virtual void stop() = 0;
  virtual bool online() const = 0;
};

// The state comes from outside: the app's bridge to the platform's callback,
// the CLI's offline/online commands, or a test.
//
// Threads: h runs on a thread that called start() (the initial call) or
// set_online(). When several threads call set_online() at once, the one
// already delivering delivers the others' changes too, in the order they were
// made, so calls never overlap; a set_online() from inside h is delivered
// after h returns (no recursion).
class ManualNetworkMonitor final : public NetworkMonitor {
 public:
  explicit ManualNetworkMonitor(bool initially_online = true);
  ~ManualNetworkMonitor() override;

  void start(Handler handler) override;
  void stop() override;
  bool online() const override;

  // Records the state; a change is delivered to h when started. Setting the
  // state it already has is not a change. Safe from any thread, including h.
  void set_online(bool online);

 private:
  // Runs h for each queued change unless another call is already doing so
  // (then that call picks them up). Called and returns with mu_ held.
  void deliver(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mu_;
  std::condition_variable idle_;      // signalled when a delivery loop ends
  std::shared_ptr<const Handler> handler_;  // shared: stop() may drop it while h runs
  bool started_ = false;
  bool state_;                        // the latest set_online() (or the initial value)
  std::deque<bool> pending_;          // changes not yet given to h, oldest first
  std::optional<bool> delivered_;     // last value given to h since start()
  bool delivering_ = false;
  std::thread::id delivering_thread_;
  std::atomic<bool> online_{false};   // what online() answers
};

// Watches the kernel over rtnetlink (links, routes and addresses).
//
// "Online" means: at least one unicast default route (IPv4 or IPv6, in any
// routing table, since Android and policy routing keep them outside "main")
// whose outgoing interface is up (IFF_UP and IFF_RUNNING, operstate up or
// unknown) and is not loopback.
//
// Threads: the monitor owns one thread, started by start() and joined by
// stop(). It polls the netlink socket and an eventfd (for stop()) and runs h.
// The first call of h comes once the initial dump of links and routes has been
// read (normally within milliseconds of start()).
//
// Failing open: if the monitor cannot watch (the socket fails, the kernel
// keeps refusing dumps), it reports online and stops watching, and
// last_error() says why; the client then falls back to its own backoff
// rather than believing it is offline forever.
class LinuxNetworkMonitor final : public NetworkMonitor {
 public:
  struct Options {
    // SO_RCVBUF for the netlink socket. A small one makes the kernel drop
    // notifications (ENOBUFS) under bursts; the monitor then re-dumps.
    int receive_buffer_bytes = 1 << 20;
  };

  // Opens and binds the netlink socket in the caller's network namespace.
  static Result<std::unique_ptr<LinuxNetworkMonitor>> create(Options options);
  static Result<std::unique_ptr<LinuxNetworkMonitor>> create() { return create(Options{}); }
  ~LinuxNetworkMonitor() override;

  void start(Handler handler) override;
  void stop() override;
  bool online() const override;

  // Why the monitor gave up watching (empty while it watches).
  std::error_code last_error() const;
  // How many times it re-dumped because the kernel dropped notifications.
  std::size_t overruns() const;

 private:
  struct Impl;  // the socket, the eventfd and the thread; network_monitor_linux.cc
  explicit LinuxNetworkMonitor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scansync::device
