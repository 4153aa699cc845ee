#pragma once
// The latency figures both latency scenarios report (loadgen latency, floor).
#include <algorithm>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

namespace scansync::bench {

// Sorts `samples_ms` and returns {"p50_ms","p99_ms","p999_ms","max_ms"}
// (nearest-rank; 0 for no samples).
inline nlohmann::json percentiles_ms(std::vector<double>& samples_ms) {
  std::sort(samples_ms.begin(), samples_ms.end());
  auto pct = [&](double p) {
    if (samples_ms.empty()) return 0.0;
    return samples_ms[std::min(samples_ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(samples_ms.size())))];
  };
  return {{"p50_ms", pct(0.50)}, {"p99_ms", pct(0.99)}, {"p999_ms", pct(0.999)},
          {"max_ms", samples_ms.empty() ? 0.0 : samples_ms.back()}};
}

}  // namespace scansync::bench
