// What every Fanout promises (fanout.h), run against each implementation:
// LocalFanout, and RedisFanout on a redis-server the test starts (skipped
// when redis-server is not installed).
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fanout/local_fanout.h"
#include "fanout/redis_fanout.h"
#include "fanout/redis_server_test_util.h"

namespace scansync::fanout {
namespace {

using namespace std::chrono_literals;

struct Sink : FanoutSink {
  std::vector<Delivery> got;  // views valid during the call only: copied below
  std::vector<std::string> users;
  std::vector<EncodedFrame> frames;
  std::function<void(const Delivery&)> also;
  void on_delivery(const Delivery& d) override {
    users.emplace_back(d.user);
    frames.push_back(d.frame);
    got.push_back(Delivery{{}, d.seq, {}, d.frame, d.from_this_node});
    if (also) also(d);
  }
  void on_subscribed(std::string_view) override {}
  void on_link_restored() override {}
};

class FanoutConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "local") {
      fanout_ = std::make_unique<LocalFanout>(sink_);
      return;
    }
    ::signal(SIGPIPE, SIG_IGN);
    auto binary = test::find_redis_server();
    if (!binary) GTEST_SKIP() << "redis-server is not installed (Debian: redis-server, see scripts/setup.sh): skipping";
    server_ = std::make_unique<test::RedisServer>(*binary);
    ASSERT_TRUE(server_->start().empty());
    RedisFanoutOptions o;
    o.endpoint.host = "127.0.0.1";
    o.endpoint.port = server_->port();
    auto redis = std::make_unique<RedisFanout>(io_.get_executor(), o, sink_);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!redis->status().up && std::chrono::steady_clock::now() < deadline) io_.run_one_for(20ms);
    ASSERT_TRUE(redis->status().up);
    fanout_ = std::move(redis);
  }
  void settle() {  // lets a Redis round trip happen (nothing to wait for with a LocalFanout)
    for (int i = 0; i < 50; ++i) io_.poll();
  }

  boost::asio::io_context io_;
  std::unique_ptr<test::RedisServer> server_;
  Sink sink_;
  std::unique_ptr<Fanout> fanout_;
};

TEST_P(FanoutConformance, PublishHandsTheChangeToItsOwnNodeAtOnceWithTheSameBuffer) {
  fanout_->subscribe("alice");
  const EncodedFrame f = text_frame(R"(42["scan:created",{}])");
  fanout_->publish("alice", 3, "e", f);
  ASSERT_EQ(sink_.got.size(), 1u) << "before publish returns";
  EXPECT_EQ(sink_.users[0], "alice");
  EXPECT_EQ(sink_.got[0].seq, 3);
  EXPECT_TRUE(sink_.got[0].from_this_node);
  EXPECT_EQ(sink_.frames[0].bytes.get(), f.bytes.get()) << "encoded once, never copied for the local sockets";
  settle();
  EXPECT_EQ(sink_.got.size(), 1u) << "not a second time through the fan-out";
}

TEST_P(FanoutConformance, ANodeWithoutSubscriptionsStillDeliversItsOwnPublishes) {
  fanout_->publish("bob", 1, "", text_frame("x"));
  ASSERT_EQ(sink_.got.size(), 1u);
  EXPECT_EQ(sink_.users[0], "bob");
}

TEST_P(FanoutConformance, SubscribeAndUnsubscribeAreIdempotent) {
  fanout_->subscribe("alice");
  fanout_->subscribe("alice");
  fanout_->subscribe("bob");
  EXPECT_EQ(fanout_->status().subscribed_users, 2u);
  fanout_->unsubscribe("alice");
  fanout_->unsubscribe("alice");
  fanout_->unsubscribe("nobody");
  EXPECT_EQ(fanout_->status().subscribed_users, 1u);
  settle();
  EXPECT_EQ(fanout_->status().subscribed_users, 1u);
}

TEST_P(FanoutConformance, StatusNamesItsKindAndCountsPublishes) {
  fanout_->publish("alice", 1, "", text_frame("x"));
  fanout_->publish("alice", 2, "", text_frame("y"));
  settle();
  const auto s = fanout_->status();
  EXPECT_EQ(s.kind, GetParam());
  EXPECT_TRUE(s.up);
  EXPECT_EQ(s.published, 2u);
  EXPECT_EQ(s.publish_failed, 0u);
}

TEST_P(FanoutConformance, TheSinkMayUnsubscribeFromInsideADelivery) {
  fanout_->subscribe("alice");
  sink_.also = [&](const Delivery& d) { fanout_->unsubscribe(d.user); };
  fanout_->publish("alice", 1, "", text_frame("x"));
  settle();
  EXPECT_EQ(sink_.got.size(), 1u);
  EXPECT_EQ(fanout_->status().subscribed_users, 0u);
}

INSTANTIATE_TEST_SUITE_P(Every, FanoutConformance, ::testing::Values("local", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scansync::fanout
