#include "auth/token_ttl.h"

#include <gtest/gtest.h>

namespace scansync::auth {
namespace {

TEST(TokenTtl, Units) {
  EXPECT_EQ(parse_ttl_seconds("30s"), 30);
  EXPECT_EQ(parse_ttl_seconds("15m"), 900);
  EXPECT_EQ(parse_ttl_seconds("1h"), 3600);
  EXPECT_EQ(parse_ttl_seconds("7d"), 604800);
  EXPECT_EQ(parse_ttl_seconds("3650d"), 3650 * 86400);
}

TEST(TokenTtl, RejectsBadInput) {
  for (const char* s : {"", "s", "1", "60", "1w", "1H", "0s", "-5m", "+5m", " 5m", "5m ", "5 m", "1.5h", "1hm",
                        "99999999999999999999s", "4000d", "h1"}) {
    EXPECT_FALSE(parse_ttl_seconds(s)) << s;
  }
}

}  // namespace
}  // namespace scansync::auth
