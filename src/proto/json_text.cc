#include "scansync/proto/json_text.h"

#include "json_scan.h"
#include "scansync/proto/errors.h"

namespace scansync::json {

using detail::skip_ws;

bool is_valid(std::string_view text, std::size_t max_depth) {
  const char* const end = text.data() + text.size();
  const char* p = skip_ws(text.data(), end);
  p = detail::skip_value(p, end, max_depth);
  return p != nullptr && skip_ws(p, end) == end;
}

Result<std::vector<std::string_view>> split_array(std::string_view text) {
  const char* const end = text.data() + text.size();
  const char* p = skip_ws(text.data(), end);
  if (p == end || *p != '[') return proto::errc::malformed_json;
  std::vector<std::string_view> elements;
  elements.reserve(4);  // one allocation for the usual event: name + a few arguments
  p = detail::skip_array_elements(p, end, kDefaultMaxDepth, elements);
  if (p == nullptr || skip_ws(p, end) != end) return proto::errc::malformed_json;
  return elements;
}

std::string quote(std::string_view utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(utf8.size() + 2);
  out.push_back('"');
  const char* p = utf8.data();
  const char* const end = p + utf8.size();
  while (p != end) {
    // Runs that need no escaping (including bytes >= 0x80) are copied whole.
    const char* run = p;
    while (p != end && static_cast<unsigned char>(*p) >= 0x20 && *p != '"' && *p != '\\') ++p;
    out.append(run, p);
    if (p == end) break;
    const char c = *p++;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default:
        out.append("u00");
        out.push_back(kHex[(c >> 4) & 0xF]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.push_back('"');
  return out;
}

Result<std::string_view> unquote_into(std::string_view literal, std::string& scratch) {
  auto decoded = unquote(literal);
  if (!decoded.ok()) return decoded.error();
  scratch = std::move(decoded).value();
  return std::string_view(scratch);
}

Result<std::string> unquote(std::string_view literal) {
  constexpr std::uint32_t kReplacement = 0xFFFD;
  const char* p = literal.data();
  const char* const end = p + literal.size();
  if (p == end || *p != '"') return proto::errc::malformed_json;
  ++p;
  std::string out;
  out.reserve(literal.size());
  for (;;) {
    const char* const run = detail::skip_plain(p, end);
    out.append(p, run);
    p = run;
    if (p == end) return proto::errc::malformed_json;  // unterminated
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"') {
      if (p + 1 != end) return proto::errc::malformed_json;  // text after the literal
      return out;
    }
    if (c >= 0x80) {
      const char* const next = detail::skip_utf8(p, end);
      if (next == nullptr) return proto::errc::malformed_json;
      out.append(p, next);
      p = next;
      continue;
    }
    if (c != '\\') return proto::errc::malformed_json;  // raw control character
    if (++p == end) return proto::errc::malformed_json;
    const char e = *p++;
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        if (end - p < 4) return proto::errc::malformed_json;
        const int unit = detail::read_hex4(p);
        if (unit < 0) return proto::errc::malformed_json;
        p += 4;
        auto cp = static_cast<std::uint32_t>(unit);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate must pair with an escaped low surrogate. A lone
          // surrogate is valid JSON (the grammar allows it) but not valid
          // UTF-8; like TextEncoder in browsers it becomes U+FFFD, and the
          // escape that follows, if any, is decoded on its own.
          const int low = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? detail::read_hex4(p + 2) : -1;
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
            p += 6;
          } else {
            cp = kReplacement;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = kReplacement;
        }
        detail::append_utf8(out, cp);
        break;
      }
      default:
        return proto::errc::malformed_json;
    }
  }
}

}  // namespace scansync::json
