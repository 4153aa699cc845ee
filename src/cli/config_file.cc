#include "cli/config_file.h"

#include <algorithm>
#include <cctype>

namespace scansync::cli {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool is_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// Where a bare value ends: at a '#' that starts the text or follows a blank
// (so that "a#b" stays one value), or at the first of `stops`.
std::size_t bare_end(std::string_view s, std::string_view stops) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (stops.find(s[i]) != std::string_view::npos) return i;
    if (s[i] == '#' && (i == 0 || is_blank(s[i - 1]))) return i;
  }
  return s.size();
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// One pass over the lines; an array may continue on the lines after its key.
class Parser {
 public:
  explicit Parser(std::string_view text) : lines_(split_lines(text)) {}

  ParsedConfig run() {
    for (at_ = 0; at_ < lines_.size(); ++at_) {
      const std::string_view line = trim(lines_[at_]);
      if (line.empty() || line.front() == '#' || line.front() == ';') continue;
      if (!(line.front() == '[' ? section(line) : entry(line))) return {{}, problem_};
    }
    return {std::move(entries_), std::nullopt};
  }

 private:
  bool fail(std::string why) {
    problem_ = ConfigProblem{static_cast<int>(at_) + 1, std::move(why)};
    return false;
  }

  bool section(std::string_view line) {
    if (line.substr(0, 2) == "[[") return fail("arrays of tables ([[...]]) are not supported");
    const auto close = line.find(']');
    if (close == std::string_view::npos) return fail("a section header needs its ']'");
    const std::string_view name = trim(line.substr(1, close - 1));
    if (!is_name(name)) return fail("'" + std::string(name) + "' is not a section name");
    section_ = std::string(name);
    section_line_ = static_cast<int>(at_) + 1;
    rest_ = line.substr(close + 1);
    return end_of_value();
  }

  bool entry(std::string_view line) {
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail("expected key = value");
    const std::string_view key = trim(line.substr(0, eq));
    if (!is_name(key)) return fail("'" + std::string(key) + "' is not a key (letters, digits, '-', '_', '.')");
    ConfigEntry e;
    e.section = section_;
    e.section_line = section_line_;
    e.key = std::string(key);
    e.line = static_cast<int>(at_) + 1;
    rest_ = trim_left(line.substr(eq + 1));
    if (!value(e)) return false;
    entries_.push_back(std::move(e));
    return true;
  }

  bool value(ConfigEntry& e) {
    if (rest_.empty() || rest_.front() == '#') return fail("no value for " + e.key);
    if (rest_.front() == '[') return array(e);
    std::string text;
    if (rest_.front() == '"' || rest_.front() == '\'') {
      if (!quoted(text)) return false;
      e.values.push_back(std::move(text));
      return end_of_value();
    }
    const auto end = bare_end(rest_, "");
    e.values.emplace_back(trim(rest_.substr(0, end)));
    return true;
  }

  // rest_ starts with the opening quote; leaves rest_ after the closing one.
  bool quoted(std::string& out) {
    const char quote = rest_.front();
    for (std::size_t i = 1; i < rest_.size(); ++i) {
      const char c = rest_[i];
      if (c == quote) {
        rest_.remove_prefix(i + 1);
        return true;
      }
      if (quote == '"' && c == '\\') {
        if (++i == rest_.size()) break;
        switch (rest_[i]) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          default: return fail(std::string("unknown escape \\") + rest_[i] + " in a string");
        }
        continue;
      }
      out += c;
    }
    return fail(std::string("a string needs its closing ") + quote + " on the same line");
  }

  bool array(ConfigEntry& e) {
    e.is_array = true;
    rest_.remove_prefix(1);
    bool after_element = false;
    for (;;) {
      rest_ = trim_left(rest_);
      if (rest_.empty() || rest_.front() == '#') {  // it goes on at the next line
        if (++at_ == lines_.size()) {
          at_ = static_cast<std::size_t>(e.line - 1);
          return fail("the array of " + e.key + " has no closing ']'");
        }
        rest_ = lines_[at_];
        continue;
      }
      if (rest_.front() == ']') {
        rest_.remove_prefix(1);
        return end_of_value();
      }
      if (after_element) {
        if (rest_.front() != ',') return fail("expected ',' or ']' in the array of " + e.key);
        rest_.remove_prefix(1);
        after_element = false;
        continue;
      }
      if (rest_.front() == ',') return fail("an empty element in the array of " + e.key);
      if (rest_.front() == '[') return fail("arrays inside arrays are not supported");
      std::string element;
      if (rest_.front() == '"' || rest_.front() == '\'') {
        if (!quoted(element)) return false;
      } else {
        const auto end = bare_end(rest_, ",]");
        element = std::string(trim(rest_.substr(0, end)));
        rest_.remove_prefix(end);
      }
      e.values.push_back(std::move(element));
      after_element = true;
    }
  }

  // Only blanks or a comment may follow a value on its line.
  bool end_of_value() {
    rest_ = trim_left(rest_);
    if (rest_.empty() || rest_.front() == '#') return true;
    return fail("unexpected text after the value: " + std::string(rest_));
  }

  std::vector<std::string_view> lines_;
  std::size_t at_ = 0;    // the current line's index
  std::string_view rest_;  // what is left of it
  std::string section_;
  int section_line_ = 0;
  std::vector<ConfigEntry> entries_;
  std::optional<ConfigProblem> problem_;
};

bool is_number(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  const auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const auto dot = s.find('.');
  if (dot == std::string_view::npos) return digits(s);
  return digits(s.substr(0, dot)) && digits(s.substr(dot + 1));
}

}  // namespace

ParsedConfig parse_config_text(std::string_view text) { return Parser(text).run(); }

std::string config_value_text(std::string_view value) {
  if (is_number(value) || value == "true" || value == "false") return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string config_array_text(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += config_value_text(values[i]);
  }
  return out + "]";
}

}  // namespace scansync::cli
