#pragma once
// The text of a configuration file (`scansync gateway --config FILE`): the
// subset of TOML, and of INI, that CLI11's own reader accepts, read here so
// that every problem names its line.
//
//   # a comment              ; a comment (INI)
//   [gateway]                a section (which ones mean something: the caller's rule)
//   port = 8443              a bare value: to the end of the line or a " #", trimmed
//   host = "0.0.0.0"         a basic string: escapes \" \\ \n \t \r
//   data = '/srv/scansync'   a literal string: no escapes
//   cors-origin = ["https://a", "https://b"]    an array; it may span lines
//   conformance = true
//
// Every value is text: what it means (a number, a flag) is the option's.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scansync::cli {

struct ConfigEntry {
  std::string section;              // "" before the first [section]
  int section_line = 0;             // the [section] header's line; 0 for none
  std::string key;                  // as written: letters, digits, '-', '_', '.'
  std::vector<std::string> values;  // one for a scalar; any number for an array
  bool is_array = false;
  int line = 0;  // 1-based: the key's line
};

struct ConfigProblem {
  int line = 0;  // 1-based
  std::string why;
};

struct ParsedConfig {
  std::vector<ConfigEntry> entries;      // in file order; empty when there is a problem
  std::optional<ConfigProblem> problem;  // the first one found
};

ParsedConfig parse_config_text(std::string_view text);

// `value` as parse_config_text reads it back unchanged: bare when it is a
// number or true/false, else a basic string with escapes.
std::string config_value_text(std::string_view value);
// ["a", "b"], each element as config_value_text writes it.
std::string config_array_text(const std::vector<std::string>& values);

}  // namespace scansync::cli
