#pragma once
// DeviceClient's insides. Everything here except `accepting` (and the two
// observable stores, which lock themselves) belongs to the executor: the one
// thread that runs `io`.
#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "device/outbox_pump.h"
#include "scansync/client/native_client.h"
#include "scansync/client/scan_feed.h"
#include "scansync/device/device_client.h"

namespace scansync::device {

struct DeviceClient::Impl {
  explicit Impl(DeviceClientOptions o) : options(std::move(o)) {}

  DeviceClientOptions options;
  std::unique_ptr<DeviceStore> store;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  boost::asio::steady_timer retry_timer{io};       // the outbox's backoff
  boost::asio::steady_timer grace_timer{io};       // the background grace period
  boost::asio::steady_timer resync_timer{io};      // a catch-up again after a refused batch
  // When each of the three is due; nullopt while it is not armed (the
  // battery rule: none is armed while disconnected, see next_wakeup()).
  std::optional<client::TimePoint> retry_due, grace_due, resync_due;
  std::unique_ptr<client::NativeClient> client;    // replaced by set_url
  std::unique_ptr<client::ScanFeed> feed;
  std::unique_ptr<OutboxPump> pump;
  ScanStore scans;
  SyncStore sync;
  SyncState state;  // the executor's copy of what sync() shows
  std::string url;
  bool online = true;
  bool foreground = true;
  bool flushing = false;  // background requested, the outbox still being sent
  std::thread thread;

  // Posting onto the executor stops when close() has begun its last step.
  std::mutex post_mu;
  bool accepting = true;
  std::atomic<bool> closing{false};

  // ---- executor side (device_client_sync.cc) ----
  void start();  // the feed, the pump and the first client; before the executor runs
  std::error_code make_client();
  void on_status(const client::StatusInfo& s);
  void on_error_event(std::string_view arg);
  bool apply_batch(const std::vector<client::ScanChange>& changes, std::int64_t last_seq, std::string_view epoch);
  bool reset_history(std::string_view epoch);
  void outbox_changed();  // after a local change or an answer
  void arm_retry();
  void schedule_resync();
  void disarm_session_timers();  // the retry and resync timers: only a connection needs them
  std::optional<client::TimePoint> next_wakeup() const;
  void go_background();
  void begin_background();
  void end_background();
  void report(std::string_view code, std::string_view message);
  void publish_scans();
  void publish_sync();

  // Runs f on the executor and returns its result (at once when already on
  // it). `closed` when the client no longer runs.
  template <class F>
  auto run(F f) -> decltype(f()) {
    using R = decltype(f());
    if (std::this_thread::get_id() == thread.get_id()) return f();
    std::promise<R> done;
    auto result = done.get_future();
    {
      std::lock_guard lock(post_mu);
      if (!accepting) return R(make_error_code(client_errc::closed));
      boost::asio::post(io, [&] { done.set_value(f()); });
    }
    return result.get();
  }
  // Runs f on the executor later; dropped once closed.
  template <class F>
  void post(F f) {
    std::lock_guard lock(post_mu);
    if (accepting) boost::asio::post(io, std::move(f));
  }
};

}  // namespace scansync::device
