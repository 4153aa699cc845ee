#pragma once
// Token lifetimes as people type them: 30s, 15m, 1h, 7d.
#include <cstdint>
#include <optional>
#include <string_view>

namespace scansync::auth {

// A positive integer followed by exactly one unit s|m|h|d → seconds.
// Anything else (no unit, zero, sign, spaces, overflow, more than 10 years)
// → nullopt.
std::optional<std::int64_t> parse_ttl_seconds(std::string_view text);

}  // namespace scansync::auth
