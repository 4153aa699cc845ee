#include "gateway/rate_limiter.h"

#include <algorithm>

namespace scansync::gateway {

double RateLimiter::refill(const Bucket& b, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  return std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
}

bool RateLimiter::allow(std::string_view key, Clock::time_point now) {
  if (rate_ <= 0) return true;
  if (++calls_since_sweep_ >= 1024) sweep(now);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  Bucket& b = it->second;
  b.tokens = refill(b, now);
  b.at = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

double RateLimiter::wait_s(std::string_view key, Clock::time_point now) const {
  if (rate_ <= 0) return 0;
  const auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) return 0;
  const double tokens = refill(it->second, now);
  return tokens >= 1.0 ? 0 : (1.0 - tokens) / rate_;
}

void RateLimiter::sweep(Clock::time_point now) {
  calls_since_sweep_ = 0;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = refill(it->second, now) >= burst_ ? buckets_.erase(it) : std::next(it);
  }
}

}  // namespace scansync::gateway
