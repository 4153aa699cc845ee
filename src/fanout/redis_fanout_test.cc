// RedisFanout against a real redis-server (started by the test on a free
// loopback port): two nodes in one process on one io_context.
#include "fanout/redis_fanout.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fanout/gap_tracker.h"
#include "fanout/redis_server_test_util.h"
#include "fanout/wire_message.h"

namespace scansync::fanout {
namespace {

using namespace std::chrono_literals;

struct RecordingSink : FanoutSink {
  struct Got {
    std::string user;
    std::int64_t seq;
    std::string epoch;
    std::string bytes;
    bool local;
  };
  std::vector<Got> got;
  std::vector<std::string> subscribed;
  int restored = 0;
  void on_delivery(const Delivery& d) override {
    got.push_back({std::string(d.user), d.seq, std::string(d.epoch), d.frame.bytes ? *d.frame.bytes : "", d.from_this_node});
  }
  void on_subscribed(std::string_view user) override { subscribed.emplace_back(user); }
  void on_link_restored() override { ++restored; }
  std::size_t count(std::string_view user, bool local) const {
    std::size_t n = 0;
    for (const auto& g : got) n += g.user == user && g.local == local;
    return n;
  }
};

class RedisFanoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);  // as the gateway does: hiredis writes with write(2)
    auto binary = test::find_redis_server();
    if (!binary) GTEST_SKIP() << "redis-server is not installed (Debian: redis-server, see scripts/setup.sh): skipping";
    server_ = std::make_unique<test::RedisServer>(*binary);
    const std::string log = server_->start();
    ASSERT_TRUE(log.empty()) << log;
  }

  RedisFanoutOptions options(std::string node) {
    RedisFanoutOptions o;
    o.endpoint.host = "127.0.0.1";
    o.endpoint.port = server_->port();
    o.node_id = std::move(node);
    o.backoff_initial = 20ms;
    o.backoff_max = 200ms;
    o.connect_timeout = 2s;
    return o;
  }

  // Runs the loop until `done` holds, at most `limit`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.run_one_for(20ms);
    }
    return true;
  }

  static bool ready(const RedisFanout& f) { return f.status().up && f.subscriptions_in_sync(); }

  // A plain client, as anyone with access to the Redis could be.
  long long raw_publish(const std::string& channel, const std::string& message) {
    redisContext* c = redisConnect("127.0.0.1", server_->port());
    EXPECT_TRUE(c && !c->err);
    auto* r = static_cast<redisReply*>(redisCommand(c, "PUBLISH %b %b", channel.data(), channel.size(),
                                                    message.data(), message.size()));
    const long long receivers = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r) freeReplyObject(r);
    redisFree(c);
    return receivers;
  }

  boost::asio::io_context io_;
  std::unique_ptr<test::RedisServer> server_;
};

TEST_F(RedisFanoutTest, APublishOnOneNodeReachesTheOtherOnceForTheSubscribedUserOnly) {
  RecordingSink sink_a, sink_b;
  RedisFanout a(io_.get_executor(), options("node-a"), sink_a);
  RedisFanout b(io_.get_executor(), options("node-b"), sink_b);
  a.subscribe("alice");  // A has local sockets of alice too: its own messages come back to it
  b.subscribe("alice");
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b) && sink_b.restored >= 1; }));

  const EncodedFrame frame = text_frame(R"(42["scan:created",{"id":"x","seq":1}])");
  a.publish("alice", 1, "epoch-1", frame);
  a.publish("bob", 1, "epoch-1", text_frame("42[\"bob\"]"));  // nobody on B has bob
  ASSERT_EQ(sink_a.count("alice", true), 1u) << "the publisher's own sockets at once, not via Redis";
  ASSERT_EQ(sink_a.count("bob", true), 1u);
  a.publish("alice", 2, "epoch-1", text_frame("42[\"marker\"]"));
  ASSERT_TRUE(run_until([&] { return sink_b.count("alice", false) >= 2 && a.status().own_ignored >= 2; }));

  ASSERT_EQ(sink_b.got.size(), 2u);
  EXPECT_EQ(sink_b.got[0].user, "alice");
  EXPECT_EQ(sink_b.got[0].seq, 1);
  EXPECT_EQ(sink_b.got[0].epoch, "epoch-1");
  EXPECT_EQ(sink_b.got[0].bytes, *frame.bytes) << "the same bytes, not re-encoded";
  EXPECT_FALSE(sink_b.got[0].local);
  EXPECT_EQ(sink_b.got[1].seq, 2);
  EXPECT_EQ(sink_a.got.size(), 3u) << "its own messages coming back are ignored";
  const auto sa = a.status(), sb = b.status();
  EXPECT_EQ(sa.kind, "redis");
  EXPECT_EQ(sa.published, 3u);
  EXPECT_EQ(sa.publish_failed, 0u);
  EXPECT_EQ(sa.own_ignored, 2u);
  EXPECT_TRUE(sa.max_publish_latency.has_value());
  EXPECT_EQ(sb.delivered, 2u);
  EXPECT_EQ(sb.subscribed_users, 1u);
  EXPECT_EQ(sb.dropped_garbled + sb.dropped_oversized + sb.dropped_unsubscribed, 0u);
}

TEST_F(RedisFanoutTest, UnsubscribeStopsDelivery) {
  RecordingSink sink_a, sink_b;
  RedisFanout a(io_.get_executor(), options("node-a"), sink_a);
  RedisFanout b(io_.get_executor(), options("node-b"), sink_b);
  b.subscribe("alice");
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b); }));
  a.publish("alice", 1, "", text_frame("1"));
  ASSERT_TRUE(run_until([&] { return sink_b.got.size() == 1; }));

  b.unsubscribe("alice");
  b.subscribe("carol");
  ASSERT_TRUE(run_until([&] { return ready(b) && !sink_b.subscribed.empty(); }));
  EXPECT_EQ(sink_b.subscribed, std::vector<std::string>{"carol"}) << "a later user is reported when in effect";
  a.publish("alice", 2, "", text_frame("2"));
  a.publish("carol", 1, "", text_frame("c"));  // same connections, so after alice's, if that came
  ASSERT_TRUE(run_until([&] { return sink_b.count("carol", false) == 1; }));
  EXPECT_EQ(sink_b.count("alice", false), 1u);
  EXPECT_EQ(b.status().subscribed_users, 1u);

  b.subscribe("alice");  // back again
  ASSERT_TRUE(run_until([&] { return ready(b); }));
  a.publish("alice", 3, "", text_frame("3"));
  ASSERT_TRUE(run_until([&] { return sink_b.count("alice", false) == 2; }));
  EXPECT_EQ(sink_b.got.back().seq, 3);
}

TEST_F(RedisFanoutTest, OddUserIdsEachGetTheirOwnChannel) {
  RecordingSink sink_a, sink_b;
  RedisFanout a(io_.get_executor(), options("node-a"), sink_a);
  RedisFanout b(io_.get_executor(), options("node-b"), sink_b);
  const std::vector<std::string> users = {
      "a b", "line\nbreak", std::string("nul\0byte", 8), "*", "a*", "%41", "A", "x:y", "[ab]",
      "\xc3\xa9t\xc3\xa9", std::string(300, 'u'), "\xff\xfe", ""};
  for (const auto& u : users) b.subscribe(u);
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b); }));
  std::int64_t seq = 0;
  for (const auto& u : users) a.publish(u, ++seq, "", text_frame("frame of " + u));
  ASSERT_TRUE(run_until([&] { return sink_b.got.size() >= users.size(); }));
  b.subscribe("zz-marker");
  ASSERT_TRUE(run_until([&] { return ready(b); }));
  a.publish("zz-marker", 2, "", text_frame("m"));
  ASSERT_TRUE(run_until([&] { return sink_b.count("zz-marker", false) == 1; }));
  ASSERT_EQ(sink_b.got.size(), users.size() + 1) << "each once: '*' or 'a*' is no pattern";
  for (std::size_t i = 0; i < users.size(); ++i) {
    EXPECT_EQ(sink_b.got[i].user, users[i]);
    EXPECT_EQ(sink_b.got[i].bytes, "frame of " + users[i]);
    EXPECT_EQ(sink_b.got[i].seq, static_cast<std::int64_t>(i + 1));
  }
}

TEST_F(RedisFanoutTest, GarbledAndOversizedMessagesAreDroppedAndCounted) {
  RecordingSink sink_b;
  auto o = options("node-b");
  o.max_message_bytes = 4096;
  RedisFanout b(io_.get_executor(), o, sink_b);
  b.subscribe("alice");
  ASSERT_TRUE(run_until([&] { return ready(b); }));
  const std::string channel = channel_of("scansync:", "alice");
  const std::vector<std::string> garbage = {
      "hello", "ssf1 1 t 999:x 0:\n", std::string("\0\x01\x02\xff", 4), "ssf1 0 t 1:n 0:\nframe", ""};
  for (const auto& g : garbage) EXPECT_EQ(raw_publish(channel, g), 1);
  EXPECT_EQ(raw_publish(channel, encode_message(1, FrameKind::text, "node-x", "", std::string(8000, 'x'))), 1);
  EXPECT_EQ(raw_publish(channel, encode_message(2, FrameKind::text, "node-x", "", "fine")), 1);
  ASSERT_TRUE(run_until([&] { return !sink_b.got.empty(); }));
  ASSERT_EQ(sink_b.got.size(), 1u);
  EXPECT_EQ(sink_b.got[0].seq, 2);
  EXPECT_EQ(sink_b.got[0].bytes, "fine");
  const auto s = b.status();
  EXPECT_EQ(s.received, garbage.size() + 2);
  EXPECT_EQ(s.dropped_garbled, garbage.size());
  EXPECT_EQ(s.dropped_oversized, 1u);
  EXPECT_TRUE(s.up) << "a bad message does not cost the link";
}

// Needs no redis-server: nothing listens on the port.
TEST(RedisFanoutDown, WithoutRedisANodeStillServesItsOwnSockets) {
  ::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  RecordingSink sink;
  RedisFanoutOptions o;
  o.endpoint.host = "127.0.0.1";
  o.endpoint.port = test::free_loopback_port();
  o.backoff_initial = 5ms;
  o.backoff_max = 20ms;
  RedisFanout a(io.get_executor(), o, sink);
  a.subscribe("alice");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!(a.status().publisher.losses >= 2 && a.status().subscriber.losses >= 2) &&
         std::chrono::steady_clock::now() < deadline)
    io.run_one_for(20ms);
  ASSERT_GE(a.status().subscriber.losses, 2u) << "it keeps trying";
  a.publish("alice", 1, "", text_frame("x"));
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_TRUE(sink.got[0].local);
  const auto s = a.status();
  EXPECT_FALSE(s.up);
  EXPECT_FALSE(s.publisher.up);
  EXPECT_NE(s.publisher.last_error.find("refused"), std::string::npos) << s.publisher.last_error;
  EXPECT_EQ(s.publish_failed, 1u);
  EXPECT_EQ(s.publisher.connects, 0u);
  EXPECT_EQ(sink.restored, 0);
}

TEST_F(RedisFanoutTest, ManyUsersAreSubscribedAgainAfterARestart) {
  RecordingSink sink_a, sink_b;
  RedisFanout a(io_.get_executor(), options("node-a"), sink_a);
  RedisFanout b(io_.get_executor(), options("node-b"), sink_b);
  constexpr int kUsers = 700;  // several SUBSCRIBE commands (256 channels each)
  for (int i = 0; i < kUsers; ++i) b.subscribe("user-" + std::to_string(i));
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b) && sink_b.restored == 1; }));
  server_->kill();
  ASSERT_TRUE(run_until([&] { return !b.status().subscriber.up && !a.status().publisher.up; }));
  ASSERT_TRUE(server_->start().empty());
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b) && sink_b.restored == 2; }));
  EXPECT_TRUE(sink_b.subscribed.empty()) << "restored as a whole, not user by user";
  for (int i = 0; i < kUsers; ++i) a.publish("user-" + std::to_string(i), 1, "", text_frame("x"));
  ASSERT_TRUE(run_until([&] { return sink_b.got.size() == kUsers; }));
  EXPECT_EQ(b.status().subscribed_users, static_cast<std::size_t>(kUsers));
}

TEST_F(RedisFanoutTest, APasswordIsSentAndARefusalIsReportedAndRetried) {
  server_->kill();
  server_ = std::make_unique<test::RedisServer>(*test::find_redis_server(),
                                                std::vector<std::string>{"--requirepass", "s3cret"});
  ASSERT_TRUE(server_->start().empty());
  RecordingSink sink_a, sink_b, sink_c;
  auto with = [&](std::string node, std::string password) {
    auto o = options(std::move(node));
    o.endpoint.password = std::move(password);
    return o;
  };
  RedisFanout a(io_.get_executor(), with("node-a", "s3cret"), sink_a);
  RedisFanout b(io_.get_executor(), with("node-b", "s3cret"), sink_b);
  RedisFanout c(io_.get_executor(), with("node-c", "wrong"), sink_c);
  b.subscribe("alice");
  c.subscribe("alice");
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b) && c.status().subscriber.losses >= 2; }));
  a.publish("alice", 1, "", text_frame("x"));
  ASSERT_TRUE(run_until([&] { return sink_b.got.size() == 1; }));
  const auto sc = c.status();
  EXPECT_FALSE(sc.up);
  EXPECT_EQ(sc.subscriber.connects, 0u);
  EXPECT_NE(sc.subscriber.last_error.find("AUTH"), std::string::npos) << sc.subscriber.last_error;
  EXPECT_TRUE(sink_c.got.empty());
}

// The store of the crash test: what was committed, for the tracker's backfills.
struct FakeStore {
  std::map<std::int64_t, std::string> changes;
  std::int64_t latest() const { return changes.empty() ? 0 : changes.rbegin()->first; }
};

TEST_F(RedisFanoutTest, RedisKilledAndRestartedCostsLatencyNotAChange) {
  FakeStore store;
  RecordingSink sink_a;
  std::vector<std::int64_t> sockets_b;  // what node B's sockets of alice see
  GapTracker* tracker_ptr = nullptr;
  GapTracker tracker({}, GapTracker::Hooks{
                             [&](std::string_view user, std::int64_t seq, const EncodedFrame& f) {
                               EXPECT_EQ(user, "alice");
                               EXPECT_EQ(*f.bytes, store.changes[seq]);
                               sockets_b.push_back(seq);
                             },
                             [&](const BackfillRequest& r) {  // the store answers on a later turn
                               boost::asio::post(io_, [&, r] {
                                 std::vector<BackfillChange> list;
                                 for (auto it = store.changes.upper_bound(r.after); it != store.changes.end(); ++it)
                                   list.push_back({it->first, text_frame(it->second)});
                                 tracker_ptr->backfill_done(r.user, r.ticket, std::move(list), store.latest());
                               });
                             }});
  tracker_ptr = &tracker;
  TrackingSink sink_b(tracker);
  RedisFanout a(io_.get_executor(), options("node-a"), sink_a);
  RedisFanout b(io_.get_executor(), options("node-b"), sink_b);
  tracker.track("alice", 0, "e");
  b.subscribe("alice");
  auto commit = [&](std::int64_t seq) {
    store.changes[seq] = "42[\"scan:created\",{\"seq\":" + std::to_string(seq) + "}]";
    a.publish("alice", seq, "e", text_frame(store.changes[seq]));
  };
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b); }));
  const auto restored_before = b.status().links_restored;

  for (int s = 1; s <= 5; ++s) commit(s);
  ASSERT_TRUE(run_until([&] { return sockets_b.size() == 5; }));

  server_->kill();
  commit(6);  // the links may not know yet
  commit(7);
  ASSERT_TRUE(run_until([&] { return !a.status().publisher.up && !b.status().subscriber.up; }));
  commit(8);  // surely down
  EXPECT_EQ(sink_a.count("alice", true), 8u) << "Redis down never stops local delivery";

  ASSERT_TRUE(server_->start().empty()) << "restart on port " << server_->port();
  ASSERT_TRUE(run_until([&] { return ready(a) && ready(b) && b.status().links_restored > restored_before; }));
  for (int s = 9; s <= 12; ++s) commit(s);
  ASSERT_TRUE(run_until([&] { return !sockets_b.empty() && sockets_b.back() == 12 && !tracker.backfilling("alice"); }));

  EXPECT_EQ(sockets_b, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
      << "every change once, in seq order";
  const auto sa = a.status(), sb = b.status();
  EXPECT_GE(sa.publish_failed, 1u);
  EXPECT_GE(sa.hints_sent, 1u) << "8 was committed while surely down: announced once back";
  EXPECT_GE(sa.publisher.connects, 2u);
  EXPECT_GE(sb.subscriber.connects, 2u);
  EXPECT_GE(sb.subscriber.losses, 1u);
  EXPECT_FALSE(sb.subscriber.last_error.empty());
  EXPECT_GE(tracker.stats().recovered, 3u) << "6, 7, 8 came from the store";
}

}  // namespace
}  // namespace scansync::fanout
