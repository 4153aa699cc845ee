#include "json_object.h"

#include <charconv>

#include "scansync/proto/json_text.h"

namespace scansync::client::json_object {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}

// `i` is at an opening quote; returns the index after the closing quote.
std::size_t skip_string(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;  // skip the escaped character; bounds checked by the loop
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return npos;
}

// `i` is at the first character of a value; returns the index after it.
std::size_t skip_value(std::string_view s, std::size_t i) {
  if (i >= s.size()) return npos;
  const char c = s[i];
  if (c == '"') return skip_string(s, i);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char d = s[i];
      if (d == '"') {
        i = skip_string(s, i);
        if (i == npos) return npos;
        continue;
      }
      if (d == '{' || d == '[') ++depth;
      if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_ws(s[i])) ++i;
  return i;
}

bool key_equals(std::string_view literal, std::string_view key) {
  std::string scratch;
  auto text = json::literal_text(literal, scratch);
  return text.ok() && *text == key;
}

std::string_view trim(std::string_view s) {
  std::size_t b = skip_ws(s, 0);
  std::size_t e = s.size();
  while (e > b && is_ws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::optional<std::string_view> find(std::string_view object, std::string_view key) {
  std::size_t i = skip_ws(object, 0);
  if (i >= object.size() || object[i] != '{') return std::nullopt;
  i = skip_ws(object, i + 1);
  if (i < object.size() && object[i] == '}') return std::nullopt;
  while (i < object.size()) {
    if (object[i] != '"') return std::nullopt;
    const std::size_t key_end = skip_string(object, i);
    if (key_end == npos) return std::nullopt;
    const std::string_view literal = object.substr(i, key_end - i);
    i = skip_ws(object, key_end);
    if (i >= object.size() || object[i] != ':') return std::nullopt;
    i = skip_ws(object, i + 1);
    const std::size_t value_end = skip_value(object, i);
    if (value_end == npos || value_end == i) return std::nullopt;
    if (key_equals(literal, key)) return object.substr(i, value_end - i);
    i = skip_ws(object, value_end);
    if (i >= object.size() || object[i] != ',') return std::nullopt;
    i = skip_ws(object, i + 1);
  }
  return std::nullopt;
}

std::optional<std::string> find_string(std::string_view object, std::string_view key) {
  auto raw = find(object, key);
  if (!raw || !is_string_literal(*raw)) return std::nullopt;
  auto text = json::unquote(*raw);
  if (!text.ok()) return std::nullopt;
  return std::move(text).value();
}

std::optional<bool> find_bool(std::string_view object, std::string_view key) {
  auto raw = find(object, key);
  if (!raw) return std::nullopt;
  if (*raw == "true") return true;
  if (*raw == "false") return false;
  return std::nullopt;
}

std::optional<std::int64_t> find_int(std::string_view object, std::string_view key) {
  const auto raw = find(object, key);
  if (!raw) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size()) return std::nullopt;
  return value;
}

bool is_string_literal(std::string_view text) {
  text = trim(text);
  return text.size() >= 2 && text.front() == '"' && skip_string(text, 0) == text.size();
}

}  // namespace scansync::client::json_object
