#include "cli/secret_mask.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace scansync::cli {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The rule's first half: the name's last word ends with a secret's word.
bool named_like_secret(std::string_view name) {
  const std::string text = lower(name);
  const auto cut = text.find_last_of("-_");
  const std::string_view last = std::string_view(text).substr(cut == std::string::npos ? 0 : cut + 1);
  constexpr std::array<std::string_view, 5> kWords = {"secret", "key", "token", "password", "passphrase"};
  return std::any_of(kWords.begin(), kWords.end(), [&](std::string_view w) { return ends_with(last, w); });
}

// Masks `query` (the text after '?', up to a '#'): name=value pairs split on '&' or ';'.
std::string mask_query(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    const auto end = std::min(query.find_first_of("&;"), query.size());
    const std::string_view pair = query.substr(0, end);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && named_like_secret(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1)).append(kMask);
    } else {
      out.append(pair);
    }
    if (end == query.size()) break;
    out += query[end];
    query.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace

bool holds_secret(std::string_view name, std::string_view type_name) {
  const std::string type = lower(type_name);
  for (std::string_view path_word : {"file", "dir", "path"}) {
    if (type.find(path_word) != std::string::npos) return false;
  }
  return named_like_secret(name);
}

std::string mask_url_secrets(std::string_view value) {
  std::string out;
  for (;;) {
    const auto scheme_end = value.find("://");
    if (scheme_end == std::string_view::npos) break;
    const auto start = scheme_end + 3;
    out.append(value.substr(0, start));
    value.remove_prefix(start);
    // The authority runs to the path, the query, the fragment or a blank.
    const auto authority_end = std::min(value.find_first_of("/?# \t,"), value.size());
    const std::string_view authority = value.substr(0, authority_end);
    const auto at = authority.rfind('@');
    const auto colon = at == std::string_view::npos ? at : authority.substr(0, at).find(':');
    if (colon != std::string_view::npos) {
      out.append(authority.substr(0, colon + 1)).append(kMask).append(authority.substr(at));
    } else {
      out.append(authority);
    }
    value.remove_prefix(authority_end);
    const auto path_end = std::min(value.find_first_of("?# \t,"), value.size());
    out.append(value.substr(0, path_end));
    value.remove_prefix(path_end);
    if (!value.empty() && value.front() == '?') {
      const auto query_end = std::min(value.find_first_of("# \t,"), value.size());
      out += '?';
      out += mask_query(value.substr(1, query_end - 1));
      value.remove_prefix(query_end);
    }
  }
  out.append(value);
  return out;
}

std::string shown_value(std::string_view name, std::string_view type_name, std::string_view value) {
  if (holds_secret(name, type_name) && !value.empty()) return std::string(kMask);
  return mask_url_secrets(value);
}

bool carries_mask(std::string_view value) {
  return value == kMask || value.find(std::string(":") + std::string(kMask) + "@") != std::string_view::npos ||
         value.find(std::string("=") + std::string(kMask)) != std::string_view::npos;
}

}  // namespace scansync::cli
