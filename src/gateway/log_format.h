#pragma once
// The gateway's log lines: one JSON object per line,
//   {"time":"2026-12-02T03:13:03.123Z","level":"info","event":"…",<fields>}
// time in RFC 3339 UTC with milliseconds, then the level, then the event,
// then the context fields in the order they were added. Sans-I/O: the time
// is an argument; the caller writes the text where it wants.
//
// Every line is valid JSON whatever a field holds: strings are escaped, and
// bytes that are not UTF-8 (a request path is the peer's bytes) become
// U+FFFD. A string longer than kMaxFieldBytes is cut there (on a character
// boundary) and ends with "…", so that a peer cannot make one line huge.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scansync/gateway/gateway.h"

namespace scansync::gateway {

std::string_view to_string(LogLevel level);
// "debug" | "info" | "warn" | "error"; anything else → nullopt.
std::optional<LogLevel> parse_log_level(std::string_view text);

// 2026-12-02T03:13:03.123Z for a Unix time in milliseconds (negative: before 1970).
std::string rfc3339_ms(std::int64_t unix_ms);

class LogLine {
 public:
  static constexpr std::size_t kMaxFieldBytes = 1024;

  LogLine(std::int64_t unix_ms, LogLevel level, std::string_view event);

  LogLine& add(std::string_view key, std::string_view value);
  LogLine& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  LogLine& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
  LogLine& add(std::string_view key, std::int64_t value);
  LogLine& add(std::string_view key, int value) { return add(key, static_cast<std::int64_t>(value)); }
  LogLine& add(std::string_view key, std::uint64_t value);
  // A duration or a ratio: at most three decimals ("12.345", "0.5", "3").
  LogLine& add(std::string_view key, double value);
  // Leaves an empty value out (a context field that is not known).
  LogLine& add_if(std::string_view key, std::string_view value) { return value.empty() ? *this : add(key, value); }

  // The line without a newline. The builder is spent afterwards (its text moved out).
  std::string finish();

 private:
  void key(std::string_view k);
  std::string text_;
};

// Appends `value` as a JSON string literal (escaped, invalid UTF-8 as
// U+FFFD, at most `max_bytes` of it before the "…").
void append_json_string(std::string& out, std::string_view value, std::size_t max_bytes = LogLine::kMaxFieldBytes);

}  // namespace scansync::gateway
