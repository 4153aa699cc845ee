#pragma once
// Internal JSON scanner shared by json_text.cc, socket_io.cc and handshake.cc.
// Pointers are [p, end) ranges into caller-owned text. A function returning
// `const char*` returns the position just past what it consumed, or nullptr
// when the text there is malformed; it never reads outside [p, end).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace scansync::json::detail {

inline bool is_ws(char c) {
  // One compare for the usual case (a byte above ' '), then a bit test.
  constexpr std::uint64_t kWs = (1ull << ' ') | (1ull << '\n') | (1ull << '\r') | (1ull << '\t');
  const auto u = static_cast<unsigned char>(c);
  return u <= ' ' && ((kWs >> u) & 1) != 0;
}

inline const char* skip_ws(const char* p, const char* end) {
  while (p != end && is_ws(*p)) ++p;
  return p;
}

// Advances over plain bytes (ASCII, not '"', '\\' or a control character).
const char* skip_plain(const char* p, const char* end);

// `p` is at a byte >= 0x80: validates one UTF-8 sequence (no overlongs, no
// encoded surrogates, nothing above U+10FFFF).
const char* skip_utf8(const char* p, const char* end);

// `p` is at the opening quote of a string literal.
const char* skip_string(const char* p, const char* end);

// `p` is at the first byte of a value (no leading whitespace is skipped).
// Containers nested deeper than `max_depth` are rejected; "[]" has depth 1.
// Iterative, so the depth limit bounds memory, not the call stack.
const char* skip_value(const char* p, const char* end, std::size_t max_depth);

// `p` is at '[': validates the array (with `max_depth` counting the array
// itself) and appends the raw text of each element to `elements` (which is
// not cleared). One pass: the elements are found while validating.
const char* skip_array_elements(const char* p, const char* end, std::size_t max_depth,
                                std::vector<std::string_view>& elements);

// Reads the 4 hex digits at p (caller guarantees 4 bytes); -1 when not hex.
int read_hex4(const char* p);

// Appends the UTF-8 encoding of a code point (<= 0x10FFFF, not a surrogate).
template <class String>
void append_utf8(String& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace scansync::json::detail
