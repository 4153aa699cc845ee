#pragma once
// Reconnection delays: attempt n waits min(initial * factor^(n-1), max),
// optionally shortened by jitter; after max_attempts attempts there is no
// next delay and the caller gives up.
#include <cstdint>
#include <optional>

#include "scansync/client/types.h"

namespace scansync::client {

class Backoff {
 public:
  // `seed` drives the jitter PRNG (splitmix64, identical on every platform,
  // unlike std:: distributions), so a pinned seed gives pinned delays.
  explicit Backoff(BackoffOptions options, std::uint64_t seed = 0);

  // The delay before the next attempt, counting that attempt; nullopt once
  // max_attempts attempts were handed out (attempts() stays at the maximum).
  std::optional<Millis> next();

  // Attempts handed out since construction or the last reset().
  int attempts() const { return attempts_; }

  // After a successful connection: the next failure waits `initial` again.
  void reset() { attempts_ = 0; }

  // The delay of attempt n (1-based) without jitter.
  Millis base_delay(int attempt) const;

  const BackoffOptions& options() const { return options_; }

 private:
  double next_unit();  // uniform in [0, 1)

  BackoffOptions options_;
  std::uint64_t rng_state_;
  int attempts_ = 0;
};

}  // namespace scansync::client
