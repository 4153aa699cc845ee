#pragma once
// Per-key token buckets (the key is the user id): `rate_per_s` requests a
// second on average, bursts of up to `burst`. Time is an argument, so tests
// drive it exactly. No I/O, not thread-safe (the gateway's one loop uses it).
//
// Memory stays bounded: a bucket that has refilled completely carries no
// information and is dropped by the periodic sweep.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace scansync::gateway {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate_per_s <= 0 disables limiting (allow() is always true).
  RateLimiter(double rate_per_s, double burst) : rate_(rate_per_s), burst_(burst < 1 ? 1 : burst) {}

  // Takes one token from `key`'s bucket; false when it is empty.
  bool allow(std::string_view key, Clock::time_point now);
  // Seconds until `key` has a token again (0 when it has one now); for Retry-After.
  double wait_s(std::string_view key, Clock::time_point now) const;
  std::size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  double refill(const Bucket& b, Clock::time_point now) const;
  void sweep(Clock::time_point now);

  double rate_;
  double burst_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::size_t calls_since_sweep_ = 0;
};

}  // namespace scansync::gateway
