#include "gateway/log_format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace scansync::gateway {
namespace {

TEST(LogFormat, TimeIsRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_ms(1'796'181'183'123), "2026-12-02T03:13:03.123Z");
  EXPECT_EQ(rfc3339_ms(951'782'400'000), "2000-02-29T00:00:00.000Z");  // a leap day
  EXPECT_EQ(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(LogFormat, LevelsParseAndPrint) {
  for (auto l : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    EXPECT_EQ(parse_log_level(to_string(l)), l);
  }
  EXPECT_EQ(parse_log_level("warning"), std::nullopt);
  EXPECT_EQ(parse_log_level("INFO"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
}

TEST(LogFormat, ALineHasTimeLevelEventThenFieldsInOrder) {
  const std::string line = LogLine(0, LogLevel::warn, "token_refused")
                               .add("code", "token_expired")
                               .add("status", 401)
                               .add("duration_ms", 12.5)
                               .add_if("sub", "")
                               .finish();
  EXPECT_EQ(line,
            R"({"time":"1970-01-01T00:00:00.000Z","level":"warn","event":"token_refused","code":"token_expired",)"
            R"("status":401,"duration_ms":12.5})");
}

TEST(LogFormat, NumbersKeepAtMostThreeDecimals) {
  auto num = [](double v) { return LogLine(0, LogLevel::info, "e").add("v", v).finish(); };
  EXPECT_NE(num(3).find(R"("v":3})"), std::string::npos);
  EXPECT_NE(num(0.1234).find(R"("v":0.123})"), std::string::npos);
  EXPECT_NE(num(-0.0001).find(R"("v":0})"), std::string::npos);
  EXPECT_NE(num(1.0 / 0.0).find(R"("v":null})"), std::string::npos);
}

TEST(LogFormat, AnyValueGivesValidJson) {
  // Quotes, backslashes, control characters, a lone continuation byte, a
  // truncated sequence, an overlong '/', an encoded surrogate: a peer's bytes.
  const std::string nasty = std::string("a\"b\\c\n\r\t\x01\x7f") + "\x80" + "\xE2\x82" + "\xC0\xAF" + "\xED\xA0\x80" +
                            "é€😀";
  const std::string line = LogLine(0, LogLevel::info, "request").add("path", nasty).finish();
  auto parsed = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << line;
  EXPECT_EQ(parsed["path"].get<std::string>(),
            "a\"b\\c\n\r\t\x01\x7f\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "\xEF\xBF\xBD"
            "é€😀");
}

TEST(LogFormat, LongValuesAreCutOnACharacterBoundary) {
  std::string s(LogLine::kMaxFieldBytes - 1, 'x');
  s += "€tail";  // the 3-byte € would cross the limit
  std::string out;
  append_json_string(out, s);
  EXPECT_EQ(out, "\"" + std::string(LogLine::kMaxFieldBytes - 1, 'x') + "…\"");
  out.clear();
  append_json_string(out, std::string(LogLine::kMaxFieldBytes, 'y'));
  EXPECT_EQ(out, "\"" + std::string(LogLine::kMaxFieldBytes, 'y') + "\"") << "exactly the limit is not cut";
}

}  // namespace
}  // namespace scansync::gateway
