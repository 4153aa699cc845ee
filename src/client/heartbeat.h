#pragma once
// Engine.IO v4 heartbeat, client side: the server pings every pingInterval;
// a client that hears no ping for pingInterval + pingTimeout (counted from
// the OPEN handshake or the last ping) treats the connection as dead.
#include <optional>

#include "scansync/client/types.h"

namespace scansync::client {

class HeartbeatWatchdog {
 public:
  // Starts watching with the timings of the OPEN handshake.
  void start(Millis ping_interval, Millis ping_timeout, TimePoint now);
  // A ping arrived: the deadline moves forward.
  void on_ping(TimePoint now);
  void stop() { deadline_.reset(); }

  bool running() const { return deadline_.has_value(); }
  std::optional<TimePoint> deadline() const { return deadline_; }
  bool expired(TimePoint now) const { return deadline_ && *deadline_ <= now; }

 private:
  Millis window_{0};
  std::optional<TimePoint> deadline_;
};

}  // namespace scansync::client
