#include "event_loop.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace scansync::bench {

EventLoop::EventLoop()
    : epfd_(epoll_create1(EPOLL_CLOEXEC)), timerfd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the timer
  if (epfd_ < 0 || timerfd_ < 0 || epoll_ctl(epfd_, EPOLL_CTL_ADD, timerfd_, &ev) != 0) {
    std::perror("loadgen: epoll/timerfd");
    std::exit(1);
  }
}

EventLoop::~EventLoop() {
  ::close(timerfd_);
  ::close(epfd_);
}

bool EventLoop::watch(int fd, Watcher* w) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = w;
  return epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void EventLoop::unwatch(int fd) { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::at(Clock::time_point t, std::function<void()> fn) { timers_.push_back(Timer{t, std::move(fn)}); }

// steady_clock is CLOCK_MONOTONIC on Linux: its time_since_epoch is the timerfd's clock.
void EventLoop::arm_timerfd() {
  auto first = Clock::time_point::max();
  for (const auto& t : timers_) first = std::min(first, t.at);
  if (first == armed_for_) return;  // one syscall per change, not per turn
  armed_for_ = first;
  itimerspec spec{};
  if (first != Clock::time_point::max()) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(first.time_since_epoch()).count();
    spec.it_value.tv_sec = ns / 1'000'000'000;
    spec.it_value.tv_nsec = ns % 1'000'000'000;
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // 0 would disarm
  }
  timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void EventLoop::run_deferred() {
  // A deferred watcher may defer again (or another): run until none is left.
  while (!deferred_.empty()) {
    auto batch = std::move(deferred_);
    deferred_.clear();
    for (auto* w : batch) w->on_deferred();
  }
}

void EventLoop::run_due_timers() {
  const auto now = Clock::now();
  for (std::size_t i = 0; i < timers_.size();) {
    if (timers_[i].at <= now) {
      auto fn = std::move(timers_[i].fn);
      timers_.erase(timers_.begin() + static_cast<std::ptrdiff_t>(i));
      fn();  // may add timers: restart the scan
      i = 0;
    } else {
      ++i;
    }
  }
}

bool EventLoop::run_until(const std::function<bool()>& pred, Clock::time_point deadline) {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  run_deferred();
  while (!pred()) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    arm_timerfd();
    const auto until_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    const int n = epoll_wait(epfd_, events, kMaxEvents, static_cast<int>(std::min<long long>(until_deadline, 100)));
    bool timer_fired = false;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        timer_fired = true;
        continue;
      }
      static_cast<Watcher*>(events[i].data.ptr)->on_events(events[i].events);
    }
    if (timer_fired) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] auto r = ::read(timerfd_, &expirations, sizeof expirations);
    }
    run_due_timers();
    run_deferred();
  }
  run_deferred();
  return pred();
}

}  // namespace scansync::bench
