#pragma once
// The load generator's single-threaded epoll loop.
//
// Why not Asio: the load generator shares the machine's two cores with the
// server it measures. Through Beast's websocket::stream it spent ~1.4 µs of
// CPU per delivered frame (an asynchronous operation per message, a
// speculative read that fails, a re-registration), which made it the
// bottleneck of the fan-out run and a millisecond of every latency sample.
// Here a readable socket costs one read() per batch of frames.
//
// Lifetimes: a Watcher must outlive its registration (unwatch() or close the
// fd first). Deferred watchers are run before run_until() returns, so none is
// pending outside it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace scansync::bench {

using Clock = std::chrono::steady_clock;

class EventLoop {
 public:
  struct Watcher {
    virtual ~Watcher() = default;
    // EPOLLIN / EPOLLOUT / EPOLLERR / EPOLLHUP bits (edge-triggered).
    virtual void on_events(std::uint32_t events) = 0;
    // Called once per defer() after the current batch of events.
    virtual void on_deferred() {}
  };

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Edge-triggered interest in reading and writing; false if epoll refused.
  bool watch(int fd, Watcher* w);
  void unwatch(int fd);
  // `w->on_deferred()` runs after the events of this turn are handled:
  // where a connection writes everything it queued during the turn at once.
  void defer(Watcher* w) { deferred_.push_back(w); }
  // Runs `fn` once, at `t` or soon after.
  void at(Clock::time_point t, std::function<void()> fn);
  // Runs the loop until pred() holds (checked after every turn) or the
  // deadline passes; returns pred().
  bool run_until(const std::function<bool()>& pred, Clock::time_point deadline);

 private:
  void run_deferred();
  void run_due_timers();
  void arm_timerfd();

  struct Timer {
    Clock::time_point at;
    std::function<void()> fn;
  };
  int epfd_ = -1;
  int timerfd_ = -1;  // armed for the earliest timer: epoll_wait's millisecond timeout is too coarse for a 5 ms tick
  Clock::time_point armed_for_ = Clock::time_point::max();  // max: disarmed
  std::vector<Watcher*> deferred_;
  std::vector<Timer> timers_;  // few: a scenario's tick and end
};

}  // namespace scansync::bench
