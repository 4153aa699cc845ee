#include "cli/redis_url.h"

#include <gtest/gtest.h>

namespace scansync::cli {
namespace {

TEST(RedisUrl, HostAndPort) {
  const auto u = parse_redis_url("redis://127.0.0.1:6380");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_TRUE(u->username.empty());
  EXPECT_TRUE(u->password.empty());
}

TEST(RedisUrl, ThePortDefaultsTo6379AndATrailingSlashIsFine) {
  const auto u = parse_redis_url("redis://cache.internal/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "cache.internal");
  EXPECT_EQ(u->port, 6379);
}

TEST(RedisUrl, UserAndPasswordArePercentDecoded) {
  const auto u = parse_redis_url("redis://app:p%40ss%3Aword@10.0.0.5:6379");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->username, "app");
  EXPECT_EQ(u->password, "p@ss:word");
  EXPECT_EQ(u->host, "10.0.0.5");
}

TEST(RedisUrl, APasswordAloneAsRedisCliReadsIt) {
  const auto bare = parse_redis_url("redis://s3cret@localhost");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->username.empty());
  EXPECT_EQ(bare->password, "s3cret");
  const auto colon = parse_redis_url("redis://:s3cret@localhost");
  ASSERT_TRUE(colon);
  EXPECT_TRUE(colon->username.empty());
  EXPECT_EQ(colon->password, "s3cret");
}

TEST(RedisUrl, AnIpv6LiteralInBrackets) {
  const auto u = parse_redis_url("redis://[::1]:7000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 7000);
  ASSERT_TRUE(parse_redis_url("redis://[::1]"));
  EXPECT_EQ(parse_redis_url("redis://[::1]")->port, 6379);
}

TEST(RedisUrl, WhatIsNotSuchAUrlIsRefused) {
  for (const char* bad : {"", "127.0.0.1:6379", "http://127.0.0.1:6379", "rediss://127.0.0.1:6379", "redis://",
                          "redis://:6379", "redis://host:", "redis://host:0", "redis://host:65536",
                          "redis://host:63a9", "redis://host:-1", "redis://host/0", "redis://host?db=0",
                          "redis://[::1", "redis://[::1]x", "redis://[::1]:", "redis://u:%4@host",
                          "redis://u:%zz@host"}) {
    EXPECT_FALSE(parse_redis_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace scansync::cli
