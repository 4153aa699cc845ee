#include "cli/config_file.h"

#include <gtest/gtest.h>

namespace scansync::cli {
namespace {

using Values = std::vector<std::string>;

ConfigEntry only_entry(std::string_view text) {
  const ParsedConfig parsed = parse_config_text(text);
  EXPECT_FALSE(parsed.problem) << parsed.problem->why;
  EXPECT_EQ(parsed.entries.size(), 1u);
  return parsed.entries.empty() ? ConfigEntry{} : parsed.entries.front();
}

ConfigProblem problem_of(std::string_view text) {
  const ParsedConfig parsed = parse_config_text(text);
  EXPECT_TRUE(parsed.problem) << "no problem found in: " << text;
  EXPECT_TRUE(parsed.entries.empty());
  return parsed.problem.value_or(ConfigProblem{});
}

TEST(ConfigFile, BareQuotedAndLiteralValues) {
  EXPECT_EQ(only_entry("port = 8443").values, Values{"8443"});
  EXPECT_EQ(only_entry("port=8443").values, Values{"8443"}) << "INI spacing";
  EXPECT_EQ(only_entry("host = \"0.0.0.0\"  # all").values, Values{"0.0.0.0"});
  EXPECT_EQ(only_entry("data = '/srv/a b'").values, Values{"/srv/a b"});
  EXPECT_EQ(only_entry("iss = \"a \\\"q\\\" \\\\ \\n\\t\"").values, Values{"a \"q\" \\ \n\t"});
  EXPECT_EQ(only_entry("aud = bare words here # comment").values, Values{"bare words here"});
  EXPECT_EQ(only_entry("aud = a#b").values, Values{"a#b"}) << "a # inside a bare value is text";
  EXPECT_EQ(only_entry("url = \"http://h/#frag\" # c").values, Values{"http://h/#frag"});
  EXPECT_EQ(only_entry("empty = \"\"").values, Values{""});
  EXPECT_FALSE(only_entry("port = 1").is_array);
}

TEST(ConfigFile, ArraysOnOneLineAndAcrossLines) {
  ConfigEntry e = only_entry(R"(cors-origin = ["https://a", 'https://b', c])");
  EXPECT_TRUE(e.is_array);
  EXPECT_EQ(e.values, (Values{"https://a", "https://b", "c"}));
  e = only_entry("cors-origin = [\n  \"https://a\",  # first\n\n  \"https://b\",\n]\n");
  EXPECT_EQ(e.values, (Values{"https://a", "https://b"})) << "a trailing comma, comments and blank lines inside";
  EXPECT_EQ(e.line, 1);
  e = only_entry("list = []");
  EXPECT_TRUE(e.is_array);
  EXPECT_TRUE(e.values.empty());
  EXPECT_EQ(only_entry("list = [\"a,b\", c]").values, (Values{"a,b", "c"}));
}

TEST(ConfigFile, CommentsSectionsLinesAndCrlf) {
  const ParsedConfig parsed = parse_config_text("# top\n; ini comment\n\nport = 1\r\n[gateway] # ok\nhost = h\n");
  ASSERT_FALSE(parsed.problem);
  ASSERT_EQ(parsed.entries.size(), 2u);
  EXPECT_EQ(parsed.entries[0].section, "");
  EXPECT_EQ(parsed.entries[0].line, 4);
  EXPECT_EQ(parsed.entries[0].values, Values{"1"}) << "the \\r of CRLF is not part of the value";
  EXPECT_EQ(parsed.entries[0].section_line, 0);
  EXPECT_EQ(parsed.entries[1].section, "gateway");
  EXPECT_EQ(parsed.entries[1].section_line, 5);
  EXPECT_EQ(parsed.entries[1].key, "host");
  EXPECT_EQ(parsed.entries[1].line, 6);
  EXPECT_TRUE(parse_config_text("").entries.empty());
  EXPECT_EQ(only_entry("gateway.port = 2").key, "gateway.port");
}

TEST(ConfigFile, EachProblemNamesItsLine) {
  EXPECT_EQ(problem_of("port = 1\njust words\n").line, 2);
  EXPECT_NE(problem_of("port = 1\njust words\n").why.find("key = value"), std::string::npos);
  EXPECT_EQ(problem_of("port =\n").why, "no value for port");
  EXPECT_EQ(problem_of("port = # none\n").why, "no value for port");
  EXPECT_NE(problem_of("host = \"open\n").why.find("closing \""), std::string::npos);
  EXPECT_NE(problem_of("host = \"bad \\x\"").why.find("unknown escape \\x"), std::string::npos);
  EXPECT_NE(problem_of("host = \"a\" b").why.find("unexpected text after the value: b"), std::string::npos);
  const ConfigProblem unclosed = problem_of("a = 1\nlist = [\"x\",\n\"y\"\n");
  EXPECT_EQ(unclosed.line, 2) << "an array never closed is reported at its key";
  EXPECT_NE(unclosed.why.find("no closing ']'"), std::string::npos);
  EXPECT_EQ(problem_of("list = [\"x\"\n\"y\"]").line, 2) << "elements need commas, even across lines";
  EXPECT_NE(problem_of("list = [a,,b]").why.find("empty element"), std::string::npos);
  EXPECT_NE(problem_of("list = [[a]]").why.find("arrays inside arrays"), std::string::npos);
  EXPECT_NE(problem_of("[[servers]]").why.find("arrays of tables"), std::string::npos);
  EXPECT_NE(problem_of("[gateway").why.find("']'"), std::string::npos);
  EXPECT_NE(problem_of("my key = 1").why.find("'my key' is not a key"), std::string::npos);
  EXPECT_NE(problem_of("\"port\" = 1").why.find("is not a key"), std::string::npos);
}

TEST(ConfigFile, WrittenValuesReadBackUnchanged) {
  const Values tricky = {"8443", "-1", "2.5", "true", "false", "0.0.0.0", "", " padded ", "a\"b", "back\\slash",
                         "line\nbreak", "tab\there", "# not a comment", "x # y", "[not an array]", "'single'",
                         "https://a.example:8443", "ünïcödé", "1.2.3", "--flag"};
  for (const std::string& v : tricky) {
    const ConfigEntry e = only_entry("key = " + config_value_text(v));
    EXPECT_EQ(e.values, Values{v}) << config_value_text(v);
    EXPECT_FALSE(e.is_array);
  }
  const ConfigEntry all = only_entry("key = " + config_array_text(tricky));
  EXPECT_TRUE(all.is_array);
  EXPECT_EQ(all.values, tricky) << config_array_text(tricky);
  EXPECT_EQ(config_value_text("8443"), "8443");
  EXPECT_EQ(config_value_text("true"), "true");
  EXPECT_EQ(config_value_text("0.0.0.0"), "\"0.0.0.0\"");
  EXPECT_EQ(config_array_text({"https://a", "https://b"}), R"(["https://a", "https://b"])");
  EXPECT_EQ(config_array_text({}), "[]");
}

}  // namespace
}  // namespace scansync::cli
