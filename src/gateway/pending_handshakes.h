#pragma once
// PendingHandshakes: how many Engine.IO sessions have not yet completed a
// Socket.IO CONNECT, in total and per remote address, against two caps.
//
// Why: a session costs memory from its handshake on, and until CONNECT the
// peer has proven nothing (no token). Without a cap, a 50 s flood of polling
// handshakes from one address made 445,252 sessions. With it, a flood is
// answered 503 once the caps are reached, and each pending session ends by
// itself at the connect timeout.
//
// Sans-I/O; used from the gateway's one event-loop thread.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace scansync::gateway {

class PendingHandshakes {
 public:
  // A cap of 0 means no cap.
  PendingHandshakes(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // Counts a new pending session from `address`; false (and nothing
  // counted) when either cap is reached.
  bool try_begin(std::string_view address);
  // The session was admitted or closed. Each successful try_begin is ended once.
  void end(std::string_view address);

  std::size_t total() const { return total_; }
  std::size_t from(std::string_view address) const;

 private:
  std::size_t max_total_;
  std::size_t max_per_address_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> by_address_;  // only addresses with a pending session
};

}  // namespace scansync::gateway
