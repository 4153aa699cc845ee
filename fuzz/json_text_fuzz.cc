// json::is_valid, split_array, quote and unquote.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "scansync/proto/json_text.h"

using namespace scansync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const bool valid = json::is_valid(text);
  // A smaller depth limit only ever rejects more.
  const bool valid_shallow = json::is_valid(text, 3);
  FUZZ_CHECK(!valid_shallow || valid);

  auto elements = json::split_array(text);
  if (elements) {
    FUZZ_CHECK(valid);
    std::string joined = "[";
    for (std::size_t i = 0; i < elements->size(); ++i) {
      const auto e = (*elements)[i];
      FUZZ_CHECK(json::is_valid(e, json::kDefaultMaxDepth - 1));
      FUZZ_CHECK(!e.empty() && e.front() != ' ' && e.back() != ' ');
      if (i > 0) joined += ',';
      joined += e;
    }
    joined += ']';
    FUZZ_CHECK(json::is_valid(joined));
  }

  auto unquoted = json::unquote(text);
  if (unquoted) {
    FUZZ_CHECK(valid);  // a literal alone is a valid JSON text
    // unquote output is valid UTF-8, so quoting it gives valid JSON back.
    const std::string requoted = json::quote(*unquoted);
    FUZZ_CHECK(json::is_valid(requoted));
    auto again = json::unquote(requoted);
    FUZZ_CHECK(again.ok() && *again == *unquoted);
  } else if (valid && !text.empty() && text.front() == '"' && text.back() == '"') {
    FUZZ_CHECK(false);  // a valid string literal without surrounding space must unquote
  }

  // quote(x) is valid JSON exactly when x is valid UTF-8, and then round-trips.
  const std::string quoted = json::quote(text);
  auto back = json::unquote(quoted);
  FUZZ_CHECK(back.ok() == json::is_valid(quoted));
  if (back) FUZZ_CHECK(*back == text);
  return 0;
}
