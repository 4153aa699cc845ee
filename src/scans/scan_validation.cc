#include "scans/scan_validation.h"

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace scansync::scans {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digits(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// Howard Hinnant's civil_from_days: days since 1970-01-01 → y/m/d.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

const nlohmann::json* member(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

}  // namespace

bool is_uuid_v4(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  const char variant = s[19];
  return s[14] == '4' && (variant == '8' || variant == '9' || variant == 'a' || variant == 'b' || variant == 'A' ||
                          variant == 'B');
}

std::optional<std::string> canonical_uuid_v4(std::string_view s) {
  if (!is_uuid_v4(s)) return std::nullopt;
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += n + 1;
  }
  return true;
}

bool is_scan_format(std::string_view s) {
  static constexpr std::string_view kFormats[] = {"qr",         "ean13",  "ean8",  "upc_a",  "code128",
                                                  "code39",     "datamatrix", "pdf417", "aztec", "unknown"};
  for (auto f : kFormats) {
    if (f == s) return true;
  }
  return false;
}

std::optional<std::string> canonical_utc_time(std::string_view s) {
  // 0123456789012345678
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 20) return std::nullopt;
  for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u, 12u, 14u, 15u, 17u, 18u}) {
    if (!is_digit(s[i])) return std::nullopt;
  }
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  const int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  const int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;

  std::size_t pos = 19;
  std::string millis = "000";
  if (s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    const std::size_t n = pos - start;
    if (n == 0 || n > 9) return std::nullopt;
    for (std::size_t k = 0; k < 3 && k < n; ++k) millis[k] = s[start + k];
  }
  if (pos + 1 != s.size() || (s[pos] != 'Z' && s[pos] != 'z')) return std::nullopt;

  std::string out(s.substr(0, 19));
  out[10] = 'T';
  return out + "." + millis + "Z";
}

std::string format_utc_ms(std::int64_t unix_ms) {
  std::int64_t days = unix_ms / 86'400'000;
  std::int64_t rem = unix_ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3'600'000), static_cast<long long>(rem / 60'000 % 60),
                static_cast<long long>(rem / 1000 % 60), static_cast<long long>(rem % 1000));
  return buf;
}

std::string validate_new_scan(const nlohmann::json& p, std::size_t max_code_bytes, NewScan& out) {
  if (!p.is_object()) return "payload: not an object";

  const auto* id = member(p, "id");
  if (!id) return "id: missing";
  std::optional<std::string> canonical_id;
  if (id->is_string()) canonical_id = canonical_uuid_v4(id->get_ref<const std::string&>());
  if (!canonical_id) return "id: not a UUID v4";

  const auto* code = member(p, "code");
  if (!code) return "code: missing";
  if (!code->is_string()) return "code: not a string";
  const auto& code_s = code->get_ref<const std::string&>();
  if (code_s.empty()) return "code: empty";
  if (code_s.size() > max_code_bytes) return "code: longer than " + std::to_string(max_code_bytes) + " bytes";
  if (!is_valid_utf8(code_s)) return "code: not UTF-8";

  const auto* format = member(p, "format");
  if (!format) return "format: missing";
  if (!format->is_string() || !is_scan_format(format->get_ref<const std::string&>())) return "format: unknown";

  const auto* device = member(p, "deviceId");
  if (!device) return "deviceId: missing";
  if (!device->is_string()) return "deviceId: not a string";
  const auto& device_s = device->get_ref<const std::string&>();
  if (device_s.empty()) return "deviceId: empty";
  if (device_s.size() > kMaxDeviceIdBytes) return "deviceId: longer than 256 bytes";
  if (!is_valid_utf8(device_s)) return "deviceId: not UTF-8";

  const auto* created = member(p, "createdAt");
  if (!created) return "createdAt: missing";
  std::optional<std::string> when;
  if (created->is_string()) when = canonical_utc_time(created->get_ref<const std::string&>());
  if (!when) return "createdAt: not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS.sssZ)";

  out.id = std::move(*canonical_id);
  out.code = code_s;
  out.format = format->get<std::string>();
  out.device_id = device_s;
  out.created_at = std::move(*when);
  return {};
}

}  // namespace scansync::scans
