#include "json_object.h"

#include <gtest/gtest.h>

namespace scansync::client::json_object {
namespace {

TEST(JsonObject, FindsTopLevelMembers) {
  const std::string_view o = R"( { "a" : 1 , "nested":{"a":2,"b":[1,{"c":"}"}]}, "s":"x\"y", "t":true } )";
  EXPECT_EQ(find(o, "a"), "1");
  EXPECT_EQ(find(o, "nested"), R"({"a":2,"b":[1,{"c":"}"}]})");
  EXPECT_EQ(find(o, "s"), R"("x\"y")");
  EXPECT_EQ(find_string(o, "s"), "x\"y");
  EXPECT_EQ(find_bool(o, "t"), true);
  EXPECT_FALSE(find(o, "c").has_value());  // nested keys are not top-level
  EXPECT_FALSE(find_string(o, "a").has_value());
  EXPECT_FALSE(find_bool(o, "a").has_value());
}

TEST(JsonObject, IntegersOnlyWhenTheyFit) {
  EXPECT_EQ(find_int(R"({"seq":42,"n":-7})", "seq"), 42);
  EXPECT_EQ(find_int(R"({"seq":42,"n":-7})", "n"), -7);
  EXPECT_EQ(find_int(R"({"seq":9223372036854775807})", "seq"), INT64_MAX);
  EXPECT_FALSE(find_int(R"({"seq":9223372036854775808})", "seq"));  // out of range
  EXPECT_FALSE(find_int(R"({"seq":1.5})", "seq"));
  EXPECT_FALSE(find_int(R"({"seq":1e3})", "seq"));
  EXPECT_FALSE(find_int(R"({"seq":"1"})", "seq"));
  EXPECT_FALSE(find_int(R"({"other":1})", "seq"));
}

TEST(JsonObject, EscapedKeysCompareUnescaped) {
  EXPECT_EQ(find(R"({"\u0070id":"p1"})", "pid"), R"("p1")");
}

TEST(JsonObject, NotAnObjectOrBrokenTextIsAbsent) {
  for (std::string_view bad : {"", "[]", "\"a\"", "{", "{\"a\"", "{\"a\":", "{\"a\" 1}", "{a:1}",
                               "{\"a\":\"unterminated}", "{\"b\":[1,2}", "{\"a\\", "nul", "{\"b\":1 \"a\":2}"}) {
    EXPECT_FALSE(find(bad, "a").has_value()) << bad;
  }
  EXPECT_FALSE(find("{}", "a").has_value());
  EXPECT_FALSE(find(" { } ", "a").has_value());
}

TEST(JsonObject, StringLiteral) {
  EXPECT_TRUE(is_string_literal(R"("abc")"));
  EXPECT_TRUE(is_string_literal(R"( "a\"b" )"));
  EXPECT_FALSE(is_string_literal(R"("a" "b")"));
  EXPECT_FALSE(is_string_literal(R"("abc)"));
  EXPECT_FALSE(is_string_literal("1"));
  EXPECT_FALSE(is_string_literal("\""));
  EXPECT_FALSE(is_string_literal(""));
}

}  // namespace
}  // namespace scansync::client::json_object
