#include "fanout/redis_subscriptions.h"

#include <gtest/gtest.h>

namespace scansync::fanout {
namespace {

using Strings = std::vector<std::string>;

TEST(RedisSubscriptions, WantedWhileDownIsSubscribedWhenTheLinkComesUp) {
  RedisSubscriptions subs;
  EXPECT_TRUE(subs.want("alice", "c:alice").subscribe.empty());
  EXPECT_TRUE(subs.want("bob", "c:bob").subscribe.empty());
  auto up = subs.link_up();
  EXPECT_EQ(up.subscribe, (Strings{"c:alice", "c:bob"}));
  EXPECT_FALSE(up.link_restored);
  EXPECT_FALSE(subs.on_subscribe_reply("c:alice").link_restored);
  auto last = subs.on_subscribe_reply("c:bob");
  EXPECT_TRUE(last.link_restored);
  EXPECT_TRUE(last.subscribed.empty()) << "reported as a whole, not per user";
  EXPECT_TRUE(subs.in_sync());
  EXPECT_EQ(*subs.user_of("c:alice"), "alice");
}

TEST(RedisSubscriptions, AnEmptyRestoreIsRestoredAtOnce) {
  RedisSubscriptions subs;
  EXPECT_TRUE(subs.link_up().link_restored);
}

TEST(RedisSubscriptions, ALaterUserIsReportedWhenConfirmed) {
  RedisSubscriptions subs;
  (void)subs.link_up();
  EXPECT_EQ(subs.want("alice", "c:a").subscribe, (Strings{"c:a"}));
  EXPECT_TRUE(subs.want("alice", "c:a").subscribe.empty()) << "idempotent";
  EXPECT_EQ(subs.wanted(), 1u);
  auto r = subs.on_subscribe_reply("c:a");
  EXPECT_EQ(r.subscribed, (Strings{"alice"}));
  EXPECT_FALSE(r.link_restored);
}

TEST(RedisSubscriptions, OneCommandPerChannelInFlight) {
  RedisSubscriptions subs;
  (void)subs.link_up();
  (void)subs.want("u", "c");
  EXPECT_TRUE(subs.drop("c").unsubscribe.empty()) << "the SUBSCRIBE's reply comes first";
  EXPECT_TRUE(subs.want("u", "c").subscribe.empty());
  EXPECT_TRUE(subs.drop("c").unsubscribe.empty());
  EXPECT_EQ(subs.on_subscribe_reply("c").unsubscribe, (Strings{"c"}));
  EXPECT_EQ(subs.user_of("c"), nullptr);
  EXPECT_TRUE(subs.want("u", "c").subscribe.empty()) << "the UNSUBSCRIBE's reply comes first";
  EXPECT_EQ(*subs.user_of("c"), "u");
  EXPECT_EQ(subs.on_unsubscribe_reply("c").subscribe, (Strings{"c"}));
  EXPECT_EQ(subs.on_subscribe_reply("c").subscribed, (Strings{"u"}));
  EXPECT_EQ(subs.drop("c").unsubscribe, (Strings{"c"}));
  EXPECT_TRUE(subs.on_unsubscribe_reply("c").subscribe.empty());
  EXPECT_EQ(subs.wanted(), 0u);
  EXPECT_TRUE(subs.in_sync());
}

TEST(RedisSubscriptions, ALostLinkForgetsWhatRedisHadAndResubscribesTheWanted) {
  RedisSubscriptions subs;
  (void)subs.link_up();
  (void)subs.want("a", "c:a");
  (void)subs.want("b", "c:b");
  (void)subs.on_subscribe_reply("c:a");
  (void)subs.on_subscribe_reply("c:b");
  (void)subs.drop("c:b");  // UNSUBSCRIBE in flight when the link goes
  subs.link_down();
  EXPECT_FALSE(subs.in_sync());
  EXPECT_TRUE(subs.want("c", "c:c").subscribe.empty()) << "down: waits for the link";
  auto up = subs.link_up();
  EXPECT_EQ(up.subscribe, (Strings{"c:a", "c:c"}));
  (void)subs.on_unsubscribe_reply("c:b");  // a stray reply of the old connection: ignored
  EXPECT_FALSE(subs.on_subscribe_reply("c:a").link_restored);
  EXPECT_TRUE(subs.on_subscribe_reply("c:c").link_restored);
}

TEST(RedisSubscriptions, DroppedDuringTheRestoreStillCompletesIt) {
  RedisSubscriptions subs;
  (void)subs.want("a", "c:a");
  (void)subs.link_up();
  (void)subs.drop("c:a");
  auto r = subs.on_subscribe_reply("c:a");
  EXPECT_TRUE(r.link_restored);
  EXPECT_EQ(r.unsubscribe, (Strings{"c:a"}));
}

TEST(RedisSubscriptions, RepliesForUnknownChannelsAreIgnored) {
  RedisSubscriptions subs;
  (void)subs.link_up();
  auto r = subs.on_subscribe_reply("nope");
  EXPECT_TRUE(r.subscribe.empty() && r.unsubscribe.empty() && r.subscribed.empty() && !r.link_restored);
  r = subs.on_unsubscribe_reply("nope");
  EXPECT_TRUE(r.subscribe.empty());
}

}  // namespace
}  // namespace scansync::fanout
