#include "cli/option_env.h"

#include <algorithm>
#include <cctype>

#include "cli/config_file.h"

namespace scansync::cli {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string env_name(std::string_view long_name) {
  std::string name = "SCANSYNC_";
  for (const char c : long_name) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

EnvList parse_env_list(std::string_view text) {
  const std::string_view body = trim(text);
  if (!body.empty() && body.front() == '[') {
    // The config file's own array syntax, read by the same parser.
    ParsedConfig parsed = parse_config_text("list = " + std::string(body));
    if (parsed.problem) return {{}, parsed.problem->why};
    if (parsed.entries.size() != 1) return {{}, "not one array"};
    return {std::move(parsed.entries.front().values), {}};
  }
  EnvList list;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (item.empty()) return {{}, "an empty element in the list (values are separated by commas)"};
    list.values.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (trim(text).empty()) return {{}, "an empty element in the list (values are separated by commas)"};
  }
  return list;
}

std::optional<bool> parse_flag_value(std::string_view text) {
  std::string t(trim(text));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return std::nullopt;
}

}  // namespace scansync::cli
