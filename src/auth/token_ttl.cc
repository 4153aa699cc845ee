#include "auth/token_ttl.h"

#include <charconv>

namespace scansync::auth {

std::optional<std::int64_t> parse_ttl_seconds(std::string_view text) {
  constexpr std::int64_t kMaxSeconds = 10LL * 366 * 86400;
  if (text.size() < 2) return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    default: return std::nullopt;
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (digits.front() < '0' || digits.front() > '9') return std::nullopt;  // from_chars would accept '-'
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (n <= 0 || n > kMaxSeconds / unit) return std::nullopt;
  return n * unit;
}

}  // namespace scansync::auth
