#include "cli/option_env.h"

#include <gtest/gtest.h>

namespace scansync::cli {
namespace {

using Values = std::vector<std::string>;

TEST(OptionEnv, NamesAreUpperCaseWithUnderscores) {
  EXPECT_EQ(env_name("port"), "SCANSYNC_PORT");
  EXPECT_EQ(env_name("jwt-secret-file"), "SCANSYNC_JWT_SECRET_FILE");
  EXPECT_EQ(env_name("cors-origin"), "SCANSYNC_CORS_ORIGIN");
  EXPECT_EQ(env_name("max-pending-per-address"), "SCANSYNC_MAX_PENDING_PER_ADDRESS");
  EXPECT_EQ(env_name("config"), "SCANSYNC_CONFIG");
}

TEST(OptionEnv, ListsAreCommaSeparatedOrAnArray) {
  EXPECT_EQ(parse_env_list("https://a").values, Values{"https://a"});
  EXPECT_EQ(parse_env_list("https://a,https://b").values, (Values{"https://a", "https://b"}));
  EXPECT_EQ(parse_env_list(" https://a , https://b ").values, (Values{"https://a", "https://b"}));
  EXPECT_EQ(parse_env_list(R"(["a,b", "c"])").values, (Values{"a,b", "c"}));
  EXPECT_TRUE(parse_env_list(R"([])").values.empty());
  EXPECT_TRUE(parse_env_list(R"([])").problem.empty());
}

TEST(OptionEnv, BadListsSayWhy) {
  EXPECT_NE(parse_env_list("a,,b").problem.find("empty element"), std::string::npos);
  EXPECT_NE(parse_env_list("a,").problem.find("empty element"), std::string::npos);
  EXPECT_NE(parse_env_list(",a").problem.find("empty element"), std::string::npos);
  EXPECT_NE(parse_env_list(R"(["a")").problem.find("no closing ']'"), std::string::npos);
  EXPECT_FALSE(parse_env_list(R"(["a"] junk)").problem.empty());
}

TEST(OptionEnv, FlagValues) {
  for (const char* on : {"true", "1", "yes", "on", "TRUE", " Yes "}) EXPECT_EQ(parse_flag_value(on), true) << on;
  for (const char* off : {"false", "0", "no", "off", "False"}) EXPECT_EQ(parse_flag_value(off), false) << off;
  for (const char* bad : {"", "2", "maybe", "truthy"}) EXPECT_EQ(parse_flag_value(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace scansync::cli
