#include "heartbeat.h"

namespace scansync::client {

void HeartbeatWatchdog::start(Millis ping_interval, Millis ping_timeout, TimePoint now) {
  window_ = ping_interval + ping_timeout;
  deadline_ = now + window_;
}

void HeartbeatWatchdog::on_ping(TimePoint now) {
  if (deadline_) deadline_ = now + window_;
}

}  // namespace scansync::client
