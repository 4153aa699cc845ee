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

// Strict RFC 8259 validation of a single JSON value (surrounding whitespace allowed).
bool is_valid(std::string_view text, std::size_t max_depth = 128);

// Splits a JSON array into the raw text of its elements (whitespace trimmed).
// Fails with proto::errc::malformed_json when `text` is not a valid array.
Result<std::vector<std::string_view>> split_array(std::string_view text);

// JSON string literal <-> UTF-8 text.
std::string quote(std::string_view utf8);
Result<std::string> unquote(std::string_view literal);

}  // namespace scansync::json
