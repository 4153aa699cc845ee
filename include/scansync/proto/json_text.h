#pragma once
// Validated raw JSON text, without building a DOM. The hot path (decoding an
// event and handing its arguments to subscribers) only needs to check the
// text and find the top-level array elements; subscribers parse lazily.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/result.h"

namespace scansync::json {

// Nesting limit used by the codec: "[]" has depth 1, "[[]]" depth 2. Deeper
// text is rejected instead of being handed to a recursive parser downstream.
constexpr std::size_t kDefaultMaxDepth = 128;

// Strict RFC 8259 validation of a single JSON value (surrounding whitespace
// allowed): string contents must be valid UTF-8 (no overlongs, no encoded
// surrogates), numbers follow the grammar exactly, no trailing text.
// Escaped lone surrogates ("\ud800") are accepted: the grammar allows them.
bool is_valid(std::string_view text, std::size_t max_depth = kDefaultMaxDepth);

// Splits a JSON array into the raw text of its elements (whitespace trimmed).
// Fails with proto::errc::malformed_json when `text` is not a valid array
// (validated as is_valid does, with kDefaultMaxDepth counting the array).
// The views point into `text`.
Result<std::vector<std::string_view>> split_array(std::string_view text);

// JSON string literal <-> UTF-8 text.
// quote() escapes '"', '\\' and control characters (short forms where JSON
// has them, \u00XX otherwise) and copies every other byte as is. Invalid
// UTF-8 in the input is therefore emitted unchanged: quote() cannot fail, and
// the caller that needs valid JSON out must pass valid UTF-8 in (is_valid()
// of the result tells). Nothing is repaired silently.
std::string quote(std::string_view utf8);
// unquote() takes exactly one literal (no surrounding whitespace) and
// decodes every escape, including \uXXXX surrogate pairs. An escaped lone
// surrogate becomes U+FFFD, as TextEncoder does in browsers; raw invalid
// UTF-8, raw control characters and bad escapes fail with malformed_json.
Result<std::string> unquote(std::string_view literal);
// The text of a string literal that was already validated (is_valid, or
// found by a validating scan): a view of its contents when it holds no
// escape (nothing to decode, nothing copied), else unquote()'s result kept
// in `scratch`. Fails as unquote() does. Inline: event names and object
// keys go through it on the client's hot path, and almost none has an escape.
Result<std::string_view> unquote_into(std::string_view literal, std::string& scratch);
inline Result<std::string_view> literal_text(std::string_view literal, std::string& scratch) {
  if (literal.size() >= 2) {
    const std::string_view inner = literal.substr(1, literal.size() - 2);
    if (inner.find('\\') == std::string_view::npos) return inner;
  }
  return unquote_into(literal, scratch);
}

}  // namespace scansync::json
