#pragma once
// The simulated clock and its pending events. Events run in time order, and
// those due at the same instant in the order they were scheduled, so a run
// is a pure function of its seed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace scansync::sim {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

class EventQueue {
 public:
  using Event = std::function<void()>;

  TimePoint now() const { return now_; }
  void at(TimePoint t, Event e) {
    if (t < now_) t = now_;
    events_.emplace(Key{t, next_++}, std::move(e));
  }
  void after(Millis d, Event e) { at(now_ + d, std::move(e)); }
  bool empty() const { return events_.empty(); }
  std::size_t size() const { return events_.size(); }
  std::uint64_t executed() const { return executed_; }
  std::optional<TimePoint> next_time() const {
    if (events_.empty()) return std::nullopt;
    return events_.begin()->first.first;
  }
  // Runs the earliest event; false when none is pending.
  bool step() {
    if (events_.empty()) return false;
    auto it = events_.begin();
    now_ = it->first.first;
    Event e = std::move(it->second);
    events_.erase(it);
    ++executed_;
    e();
    return true;
  }
  // Runs every event due up to `t`, then sets the clock to `t`.
  void run_until(TimePoint t) {
    while (!events_.empty() && events_.begin()->first.first <= t) step();
    if (now_ < t) now_ = t;
  }

 private:
  using Key = std::pair<TimePoint, std::uint64_t>;
  TimePoint now_ = TimePoint{} + std::chrono::hours(1);
  std::uint64_t next_ = 0;
  std::uint64_t executed_ = 0;
  std::map<Key, Event> events_;
};

}  // namespace scansync::sim
