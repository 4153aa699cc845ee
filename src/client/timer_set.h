#pragma once
// Several logical deadlines (connect timeout, heartbeat, reconnect delay,
// ack timeouts) folded into the ONE timer an adapter keeps. The set tracks
// what the adapter was last told, so it only asks to re-arm when the
// earliest deadline changes and to cancel when none is left.
#include <cstddef>
#include <optional>
#include <vector>

#include "scansync/client/types.h"

namespace scansync::client {

class TimerSet {
 public:
  explicit TimerSet(std::size_t slots) : deadlines_(slots) {}

  void set(std::size_t slot, std::optional<TimePoint> deadline) {
    auto& d = deadlines_.at(slot);
    if (d == deadline) return;  // the usual case: sync after every input, nothing moved
    d = deadline;
    changed_ = true;
  }
  void clear(std::size_t slot) { set(slot, std::nullopt); }
  void clear_all();
  std::optional<TimePoint> get(std::size_t slot) const { return deadlines_.at(slot); }
  bool due(std::size_t slot, TimePoint now) const;

  std::optional<TimePoint> earliest() const;

  // The action that brings the adapter's timer in line with earliest():
  // ArmTimer when it differs from what was armed, CancelTimer when nothing is
  // left but something was armed, nothing otherwise.
  std::optional<Action> reconcile();

  // The adapter's timer went off: it is no longer armed, so the next
  // reconcile() arms again even for an unchanged deadline (e.g. a timer that
  // fired a little early).
  void fired() {
    armed_.reset();
    changed_ = true;
  }

  std::optional<TimePoint> armed() const { return armed_; }

 private:
  std::vector<std::optional<TimePoint>> deadlines_;
  std::optional<TimePoint> armed_;
  // Something changed since the last reconcile(); when false, earliest()
  // still equals armed_ and reconcile() has nothing to do.
  bool changed_ = true;
};

}  // namespace scansync::client
