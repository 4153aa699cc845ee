#pragma once
// Reads members of small JSON objects (the CONNECT ack, CONNECT_ERROR data,
// the room:join ack) from raw text without building a DOM. The input is
// normally validated by the codec already; on anything unexpected these
// functions answer "absent" rather than fail, and never read out of bounds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scansync::client::json_object {

// The raw JSON text of the top-level member `key` of `object`, or nullopt
// when `object` is not an object or has no such member. Keys are compared
// after unescaping. With duplicate keys the first one wins; the text after
// the member found is not looked at.
std::optional<std::string_view> find(std::string_view object, std::string_view key);

// The member as an unescaped string; nullopt when absent or not a string.
std::optional<std::string> find_string(std::string_view object, std::string_view key);

// The member as a boolean; nullopt when absent or not true/false.
std::optional<bool> find_bool(std::string_view object, std::string_view key);

// The member as a 64-bit integer; nullopt when absent, not an integer
// literal (a fraction, an exponent) or out of range.
std::optional<std::int64_t> find_int(std::string_view object, std::string_view key);

// True when `text` (trimmed) is a JSON string literal.
bool is_string_literal(std::string_view text);

}  // namespace scansync::client::json_object
