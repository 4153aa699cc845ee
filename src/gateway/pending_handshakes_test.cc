#include "gateway/pending_handshakes.h"

#include <gtest/gtest.h>

namespace scansync::gateway {
namespace {

TEST(PendingHandshakes, PerAddressCapLeavesOtherAddressesAlone) {
  PendingHandshakes p(0, 2);
  EXPECT_TRUE(p.try_begin("10.0.0.1"));
  EXPECT_TRUE(p.try_begin("10.0.0.1"));
  EXPECT_FALSE(p.try_begin("10.0.0.1"));
  EXPECT_TRUE(p.try_begin("10.0.0.2"));
  EXPECT_EQ(p.from("10.0.0.1"), 2u);
  EXPECT_EQ(p.total(), 3u);
  p.end("10.0.0.1");
  EXPECT_TRUE(p.try_begin("10.0.0.1"));
}

TEST(PendingHandshakes, TotalCapAcrossAddresses) {
  PendingHandshakes p(3, 0);
  EXPECT_TRUE(p.try_begin("a"));
  EXPECT_TRUE(p.try_begin("b"));
  EXPECT_TRUE(p.try_begin("c"));
  EXPECT_FALSE(p.try_begin("d"));
  EXPECT_EQ(p.from("d"), 0u);  // a refusal counts nothing
  p.end("b");
  EXPECT_TRUE(p.try_begin("d"));
  EXPECT_EQ(p.total(), 3u);
}

TEST(PendingHandshakes, EndingForgetsTheAddress) {
  PendingHandshakes p(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(p.try_begin("x"));
  for (int i = 0; i < 1000; ++i) p.end("x");
  EXPECT_EQ(p.total(), 0u);
  EXPECT_EQ(p.from("x"), 0u);
  p.end("x");  // an unknown address is ignored, the total never wraps
  EXPECT_EQ(p.total(), 0u);
}

}  // namespace
}  // namespace scansync::gateway
