#include "timer_set.h"

namespace scansync::client {

void TimerSet::clear_all() {
  for (auto& d : deadlines_) d.reset();
  changed_ = true;
}

bool TimerSet::due(std::size_t slot, TimePoint now) const {
  const auto& d = deadlines_.at(slot);
  return d && *d <= now;
}

std::optional<TimePoint> TimerSet::earliest() const {
  std::optional<TimePoint> best;
  for (const auto& d : deadlines_) {
    if (d && (!best || *d < *best)) best = d;
  }
  return best;
}

std::optional<Action> TimerSet::reconcile() {
  if (!changed_) return std::nullopt;
  changed_ = false;
  const auto want = earliest();
  if (want == armed_) return std::nullopt;
  armed_ = want;
  if (want) return Action{ArmTimer{*want}};
  return Action{CancelTimer{}};
}

}  // namespace scansync::client
