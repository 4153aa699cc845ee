#include "scansync/proto/json_text.h"

#include <gtest/gtest.h>

#include <string>

#include "scansync/proto/errors.h"

namespace scansync::json {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;

TEST(JsonIsValid, AcceptsRfc8259Values) {
  for (const char* text : {
           "null", "true", "false", "0", "-0", "1", "-12", "3.25", "1e5", "1E+5", "-1.5e-300", "\"\"",
           "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"", "[]", "{}", " [ 1 , [ 2 ] , { } ] ",
           "{\"a\":{\"b\":[true,false,null]},\"c\":\"d\"}", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
           "\"\\ud800\"",  // lone surrogate escape: grammatical
           "\t\r\n 7 \t\r\n",
       }) {
    EXPECT_TRUE(is_valid(text)) << text;
  }
}

TEST(JsonIsValid, RejectsMalformed) {
  for (const std::string& text : {
           ""s, " "s, "nul"s, "True"s, "01"s, "-"s, "1."s, ".5"s, "1e"s, "1e+"s, "+1"s, "0x10"s, "NaN"s,
           "Infinity"s, "\"abc"s, "\"\\x\""s, "\"\\u12\""s, "\"\\u12G4\""s, "\"\\"s, "\"a\tb\""s,
           "\"\x01\""s, "[1,]"s, "[,1]"s, "[1 2]"s, "{\"a\"}"s, "{\"a\":}"s, "{a:1}"s, "{\"a\":1,}"s,
           "{1:2}"s, "[1]]"s, "[1] x"s, "[1"s, "{"s, "]"s, "1 2"s, "'a'"s, "[\"a\"\x00]"s,
           "\"\xc3\""s,              // truncated sequence
           "\"\xc0\xaf\""s,          // overlong
           "\"\xed\xa0\x80\""s,      // encoded surrogate
           "\"\xf4\x90\x80\x80\""s,  // above U+10FFFF
           "\"\x80\""s, "\"\xff\""s,
       }) {
    EXPECT_FALSE(is_valid(text)) << text;
  }
}

TEST(JsonIsValid, DepthLimit) {
  auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(is_valid(nested(kDefaultMaxDepth)));
  EXPECT_FALSE(is_valid(nested(kDefaultMaxDepth + 1)));
  EXPECT_FALSE(is_valid("[]", 0));
  EXPECT_TRUE(is_valid("1", 0));
  EXPECT_TRUE(is_valid("{\"a\":[{}]}", 3));
  EXPECT_FALSE(is_valid("{\"a\":[{}]}", 2));
  // Iterative: deep nesting costs neither stack nor an unbounded allocation.
  EXPECT_FALSE(is_valid(std::string(10000, '[')));
  EXPECT_FALSE(is_valid(std::string(100000, '[') + std::string(100000, ']')));
  EXPECT_TRUE(is_valid(nested(1000), 1000));  // beyond the inline stack
  const std::string mixed = [] {
    std::string s;
    for (int i = 0; i < 600; ++i) s += (i % 2) ? "{\"k\":" : "[";
    s += "0";
    for (int i = 599; i >= 0; --i) s += (i % 2) ? "}" : "]";
    return s;
  }();
  EXPECT_TRUE(is_valid(mixed, 600));
  EXPECT_FALSE(is_valid(mixed, 599));
}

// The string scanner skips plain bytes 16 and 8 at a time before going byte
// by byte: put each kind of byte at every offset of strings of many lengths,
// both at the end of the buffer and far from it.
TEST(JsonIsValid, StringScannerFindsEveryByteKindAtEveryOffset) {
  struct Kind {
    std::string bytes;
    bool valid;
  };
  const Kind kinds[] = {
      {"\"", false}, {"\\", false}, {"\\n", true}, {"\x01", false}, {"\x1f", false}, {"\x7f", true},
      {" ", true},   {"\xc3\xa9", true}, {"\xc3", false}, {"\xe2\x82\xac", true}, {"\xff", false},
  };
  for (std::size_t len = 0; len <= 40; ++len) {
    for (std::size_t pos = 0; pos <= len; ++pos) {
      for (const auto& kind : kinds) {
        std::string body(len, 'a');
        body.insert(pos, kind.bytes);
        const std::string literal = "\"" + body + "\"";
        EXPECT_EQ(is_valid(literal), kind.valid) << len << "/" << pos << "/" << kind.bytes;
        EXPECT_EQ(is_valid("[" + literal + "," + std::string(40, '1') + "]"), kind.valid);
        EXPECT_EQ(unquote(literal).ok(), kind.valid);
      }
    }
  }
}

TEST(JsonSplitArray, ReturnsTrimmedElements) {
  auto r = split_array(R"( [ "hello" , 1 ,{"a":[1,2]}, [ ] ,null] )");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0], "\"hello\"");
  EXPECT_EQ((*r)[1], "1");
  EXPECT_EQ((*r)[2], R"({"a":[1,2]})");
  EXPECT_EQ((*r)[3], "[ ]");
  EXPECT_EQ((*r)[4], "null");
}

TEST(JsonSplitArray, EmptyArray) {
  auto r = split_array(" [ ] ");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(JsonSplitArray, RejectsNonArraysAndMalformed) {
  for (const char* text : {"", "{}", "\"[]\"", "1", "[", "[1,]", "[1 2]", "[1]x", "[1],[2]", "[\"a]", "[{]"}) {
    auto r = split_array(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error(), proto::errc::malformed_json) << text;
  }
  EXPECT_FALSE(split_array(std::string(10000, '[')).ok());
  EXPECT_TRUE(split_array(std::string(kDefaultMaxDepth, '[') + std::string(kDefaultMaxDepth, ']')).ok());
  EXPECT_FALSE(split_array(std::string(kDefaultMaxDepth + 1, '[') + std::string(kDefaultMaxDepth + 1, ']')).ok());
}

TEST(JsonQuote, EscapesWhatJsonRequires) {
  EXPECT_EQ(quote(""), "\"\"");
  EXPECT_EQ(quote("plain"), "\"plain\"");
  EXPECT_EQ(quote("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(quote("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(quote("\x01\x1f"s), R"("\u0001\u001f")");
  EXPECT_EQ(quote("nul\0byte"s), R"("nul\u0000byte")");
  EXPECT_EQ(quote("\xc3\xa9\xf0\x9f\x98\x80"), "\"\xc3\xa9\xf0\x9f\x98\x80\"");
  EXPECT_EQ(quote("\x7f"), "\"\x7f\"");
}

TEST(JsonQuote, InvalidUtf8IsCopiedAsIs) {
  const std::string out = quote("a\xff\xc3");
  EXPECT_EQ(out, "\"a\xff\xc3\"");
  EXPECT_FALSE(is_valid(out));  // the caller can tell
}

TEST(JsonUnquote, DecodesEscapes) {
  auto r = unquote(R"("a\"b\\c\/d\b\f\n\r\t")");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(*unquote(R"("\u0041\u00e9\u20AC")"), "A\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(*unquote(R"("\ud83d\ude00")"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(*unquote(R"("\uDBFF\uDFFF")"), "\xf4\x8f\xbf\xbf");
  EXPECT_EQ(*unquote(R"("\u0000")"), "\0"s);
  EXPECT_EQ(*unquote("\"\xc3\xa9\""), "\xc3\xa9");
  EXPECT_EQ(*unquote(R"("")"), "");
}

TEST(JsonUnquote, LoneSurrogatesBecomeReplacementCharacter) {
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(*unquote(R"("\ud800")"), fffd);
  EXPECT_EQ(*unquote(R"("\udc00x")"), fffd + "x");
  EXPECT_EQ(*unquote(R"("\ud800\u0041")"), fffd + "A");
  EXPECT_EQ(*unquote(R"("\ud800\ud83d\ude00")"), fffd + "\xf0\x9f\x98\x80");
  EXPECT_EQ(*unquote(R"("\ud800\n")"), fffd + "\n");
  EXPECT_FALSE(unquote(R"("\ud800\u")").ok());  // the following escape is still checked
}

TEST(JsonUnquote, RejectsMalformed) {
  for (const std::string& text : {
           ""s, "\""s, "abc"s, " \"a\""s, "\"a\" "s, "\"a\"b\""s, "\"\\\""s, "\"\\"s, "\"\\q\""s, "\"\\u\""s,
           "\"\\u123\""s, "\"\\u12x4\""s, "\"a\nb\""s, "\"\x1f\""s, "\"\xc3\""s, "\"\xc3(\""s,
           "\"\xe2\x82\""s, "\"\xed\xbf\xbf\""s, "\"\xf8\x88\x80\x80\x80\""s, "'a'"s,
       }) {
    auto r = unquote(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error(), proto::errc::malformed_json);
  }
}

TEST(JsonQuote, RoundTripsThroughUnquote) {
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  all += "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  const std::string quoted = quote(all);
  EXPECT_TRUE(is_valid(quoted));
  EXPECT_EQ(*unquote(quoted), all);
}

}  // namespace
}  // namespace scansync::json
