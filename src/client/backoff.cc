#include "backoff.h"

#include <cmath>

namespace scansync::client {

Backoff::Backoff(BackoffOptions options, std::uint64_t seed) : options_(options), rng_state_(seed) {
  // Nonsense options are clamped instead of rejected: the core has no error
  // path at construction, and a clamped schedule is still a schedule.
  if (options_.initial.count() < 0) options_.initial = Millis{0};
  if (options_.max < options_.initial) options_.max = options_.initial;
  if (!(options_.factor >= 1.0)) options_.factor = 1.0;  // also catches NaN
  if (!(options_.jitter >= 0.0)) options_.jitter = 0.0;
  if (options_.jitter > 1.0) options_.jitter = 1.0;
  if (options_.max_attempts < 0) options_.max_attempts = 0;
}

Millis Backoff::base_delay(int attempt) const {
  if (attempt < 1) attempt = 1;
  if (options_.initial.count() == 0) return Millis{0};  // 0 * inf would be NaN below
  // Computed in double so large exponents saturate at max instead of
  // overflowing; the comparison is written so that inf lands on max too.
  const double d = static_cast<double>(options_.initial.count()) * std::pow(options_.factor, attempt - 1);
  if (!(d < static_cast<double>(options_.max.count()))) return options_.max;
  return Millis{static_cast<Millis::rep>(d)};
}

std::optional<Millis> Backoff::next() {
  if (attempts_ >= options_.max_attempts) return std::nullopt;
  ++attempts_;
  const Millis base = base_delay(attempts_);
  if (options_.jitter == 0.0) return base;
  // Uniform in [base * (1 - jitter), base].
  const double cut = static_cast<double>(base.count()) * options_.jitter * next_unit();
  return Millis{base.count() - static_cast<Millis::rep>(cut)};
}

double Backoff::next_unit() {
  // splitmix64 (Steele, Lea, Flood 2014).
  std::uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

}  // namespace scansync::client
