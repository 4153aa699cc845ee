#include "fanout/local_fanout.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fanout/gap_tracker.h"

namespace scansync::fanout {
namespace {

struct RecordingSink : FanoutSink {
  struct Got {
    std::string user;
    std::int64_t seq;
    std::string epoch;
    EncodedFrame frame;
    bool local;
  };
  std::vector<Got> got;
  int subscribed = 0, restored = 0;
  void on_delivery(const Delivery& d) override {
    got.push_back({std::string(d.user), d.seq, std::string(d.epoch), d.frame, d.from_this_node});
  }
  void on_subscribed(std::string_view) override { ++subscribed; }
  void on_link_restored() override { ++restored; }
};

TEST(LocalFanout, PublishReachesThisNodesSinkAtOnceWithTheSameBuffer) {
  RecordingSink sink;
  LocalFanout fanout(sink);
  EncodedFrame f = text_frame("42[\"scan:created\",{}]");
  fanout.publish("alice", 7, "e1", f);
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].user, "alice");
  EXPECT_EQ(sink.got[0].seq, 7);
  EXPECT_EQ(sink.got[0].epoch, "e1");
  EXPECT_TRUE(sink.got[0].local);
  EXPECT_EQ(sink.got[0].frame.bytes.get(), f.bytes.get()) << "encoded once, not copied";
}

TEST(LocalFanout, NeverDownNeverAsksForAResync) {
  RecordingSink sink;
  LocalFanout fanout(sink);
  fanout.subscribe("alice");
  fanout.subscribe("alice");
  fanout.subscribe("bob");
  fanout.publish("alice", 1, "", text_frame("x"));
  auto s = fanout.status();
  EXPECT_EQ(s.kind, "local");
  EXPECT_TRUE(s.up);
  EXPECT_EQ(s.published, 1u);
  EXPECT_EQ(s.subscribed_users, 2u);
  fanout.unsubscribe("alice");
  fanout.unsubscribe("alice");
  EXPECT_EQ(fanout.status().subscribed_users, 1u);
  EXPECT_EQ(sink.subscribed, 0);
  EXPECT_EQ(sink.restored, 0);
}

TEST(LocalFanout, ThroughATrackerSocketsSeeEachCommitOnce) {
  std::vector<std::int64_t> got;
  GapTracker tracker({}, GapTracker::Hooks{[&](std::string_view, std::int64_t seq, const EncodedFrame&) {
                                              got.push_back(seq);
                                            },
                                            [&](const BackfillRequest&) { ADD_FAILURE() << "no gaps on one node"; }});
  TrackingSink sink(tracker);
  LocalFanout fanout(sink);
  tracker.track("alice", 0, "e");
  fanout.subscribe("alice");
  for (int seq = 1; seq <= 5; ++seq) fanout.publish("alice", seq, "e", text_frame("f"));
  fanout.publish("bob", 1, "e", text_frame("f"));  // no local socket of bob
  EXPECT_EQ(got, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

}  // namespace
}  // namespace scansync::fanout
