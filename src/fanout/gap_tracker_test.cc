#include "fanout/gap_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace scansync::fanout {
namespace {

using std::chrono::milliseconds;

EncodedFrame frame_of(std::int64_t seq) { return text_frame("f" + std::to_string(seq)); }

Delivery live(std::string_view user, std::int64_t seq, std::string_view epoch = "") {
  return Delivery{user, seq, epoch, frame_of(seq), false};
}
Delivery hint(std::string_view user, std::int64_t seq) { return Delivery{user, seq, "", {}, false}; }

std::vector<BackfillChange> changes(std::initializer_list<std::int64_t> seqs) {
  std::vector<BackfillChange> out;
  for (auto s : seqs) out.push_back({s, frame_of(s)});
  return out;
}

// Records what the tracker hands out; backfills wait in `requests` until answered.
struct Harness {
  std::map<std::string, std::vector<std::int64_t>> got;
  std::vector<BackfillRequest> requests;
  GapTracker tracker;

  explicit Harness(GapTrackerOptions options = {})
      : tracker(options, GapTracker::Hooks{
                             [this](std::string_view user, std::int64_t seq, const EncodedFrame& f) {
                               EXPECT_EQ(*f.bytes, "f" + std::to_string(seq)) << "the frame travels with its seq";
                               got[std::string(user)].push_back(seq);
                             },
                             [this](const BackfillRequest& r) { requests.push_back(r); }}) {}

  BackfillRequest take() {
    EXPECT_FALSE(requests.empty());
    if (requests.empty()) return {};
    BackfillRequest r = requests.front();
    requests.erase(requests.begin());
    return r;
  }
};

using Seqs = std::vector<std::int64_t>;

TEST(GapTracker, InOrderDeliveriesPassAtOnce) {
  Harness h;
  h.tracker.track("u", 0, "e");
  for (int s = 1; s <= 3; ++s) h.tracker.on_delivery(live("u", s));
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3}));
  EXPECT_TRUE(h.requests.empty());
  EXPECT_EQ(h.tracker.last_delivered("u"), 3);
  EXPECT_EQ(h.tracker.stats().delivered, 3u);
}

TEST(GapTracker, DuplicatesAreDropped) {
  Harness h;
  h.tracker.track("u", 0, "");
  h.tracker.on_delivery(live("u", 1));
  h.tracker.on_delivery(live("u", 1));
  h.tracker.on_delivery(live("u", 2));
  h.tracker.on_delivery(live("u", 1));
  EXPECT_EQ(h.got["u"], (Seqs{1, 2}));
  EXPECT_EQ(h.tracker.stats().duplicates, 2u);
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, StartsFromTheStoresLatestAtTrackTime) {
  Harness h;
  h.tracker.on_delivery(live("u", 1));  // no local socket yet: not tracked
  EXPECT_EQ(h.tracker.stats().untracked, 1u);
  h.tracker.track("u", 10, "");
  h.tracker.on_delivery(live("u", 9));   // older than the store's latest: the socket catches up itself
  h.tracker.on_delivery(live("u", 10));
  h.tracker.on_delivery(live("u", 11));
  EXPECT_EQ(h.got["u"], (Seqs{11}));
  h.tracker.track("u", 50, "");  // a second socket: already tracked, nothing changes
  EXPECT_EQ(h.tracker.last_delivered("u"), 11);
}

TEST(GapTracker, AGapAsksTheStoreAndHoldsLiveDeliveriesUntilItAnswers) {
  Harness h;
  h.tracker.track("u", 0, "");
  h.tracker.on_delivery(live("u", 1));
  h.tracker.on_delivery(live("u", 3));
  ASSERT_EQ(h.requests.size(), 1u);
  const auto r = h.take();
  EXPECT_EQ(r.user, "u");
  EXPECT_EQ(r.after, 1);
  EXPECT_EQ(r.through, 3);
  h.tracker.on_delivery(live("u", 4));
  h.tracker.on_delivery(live("u", 2));  // the missing one arrives late: held too (a backfill is in flight)
  EXPECT_EQ(h.got["u"], (Seqs{1}));
  EXPECT_EQ(h.tracker.held("u"), 3u);
  EXPECT_TRUE(h.requests.empty()) << "one backfill at a time";
  h.tracker.backfill_done("u", r.ticket, changes({2}), 2);
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3, 4}));
  EXPECT_TRUE(h.requests.empty());
  EXPECT_FALSE(h.tracker.backfilling("u"));
  EXPECT_EQ(h.tracker.stats().gaps, 1u);
  EXPECT_EQ(h.tracker.stats().recovered, 1u);
  h.tracker.on_delivery(live("u", 5));
  EXPECT_EQ(h.got["u"].back(), 5);
}

TEST(GapTracker, ABackfillThatBringsMoreThanTheGapDeliversEachOnce) {
  Harness h;
  h.tracker.track("u", 1, "");
  h.tracker.on_delivery(live("u", 3));
  h.tracker.on_delivery(live("u", 4));
  h.tracker.backfill_done("u", h.take().ticket, changes({5, 2, 4, 3}), 5);  // unsorted, beyond what is held
  EXPECT_EQ(h.got["u"], (Seqs{2, 3, 4, 5}));
  h.tracker.on_delivery(live("u", 5));
  h.tracker.on_delivery(live("u", 6));
  EXPECT_EQ(h.got["u"], (Seqs{2, 3, 4, 5, 6}));
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, SupersededSeqsInTheFeedAreNotAGap) {
  // Seq 4 created a scan that seq 6 deleted: the feed lists 5 and 6 only.
  Harness h;
  h.tracker.track("u", 3, "");
  h.tracker.on_delivery(live("u", 5));
  h.tracker.backfill_done("u", h.take().ticket, changes({5, 6}), 6);
  EXPECT_EQ(h.got["u"], (Seqs{5, 6}));
  EXPECT_TRUE(h.requests.empty());
  h.tracker.on_delivery(live("u", 6));  // the live one follows: a duplicate
  h.tracker.on_delivery(live("u", 7));
  EXPECT_EQ(h.got["u"], (Seqs{5, 6, 7}));
}

TEST(GapTracker, ACutPageAsksAgainFromWhereItStopped) {
  Harness h;
  h.tracker.track("u", 0, "");
  h.tracker.on_delivery(live("u", 6));
  auto r1 = h.take();
  h.tracker.backfill_done("u", r1.ticket, changes({1, 2}), 2);  // page cut after 2
  EXPECT_EQ(h.got["u"], (Seqs{1, 2}));
  auto r2 = h.take();
  EXPECT_EQ(r2.after, 2);
  EXPECT_EQ(r2.through, 6);
  h.tracker.backfill_done("u", r2.ticket, changes({3, 4, 5}), 5);
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, AResyncFollowsCutPagesUpToTheLatest) {
  Harness h;
  h.tracker.track("u", 0, "");
  h.tracker.resync("u");
  h.tracker.backfill_done("u", h.take().ticket, changes({1, 2}), 2, /*has_more=*/true);
  auto r = h.take();
  EXPECT_EQ(r.after, 2);
  EXPECT_FALSE(r.through.has_value());
  h.tracker.backfill_done("u", r.ticket, changes({3}), 3, false);
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3}));
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, AHintIsAGapEvenRightAfterLast) {
  Harness h;
  h.tracker.track("u", 3, "");
  h.tracker.on_delivery(hint("u", 4));
  auto r = h.take();
  EXPECT_EQ(r.after, 3);
  EXPECT_EQ(r.through, 4);
  h.tracker.backfill_done("u", r.ticket, changes({4}), 4);
  EXPECT_EQ(h.got["u"], (Seqs{4}));
  h.tracker.on_delivery(hint("u", 4));  // repeated: nothing to fetch
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, ResyncBackfillsWithoutAGapUpToTheLatest) {
  Harness h;
  h.tracker.track("a", 2, "");
  h.tracker.track("b", 0, "");
  h.tracker.resync_all();  // the link came back
  ASSERT_EQ(h.requests.size(), 2u);
  for (auto& r : h.requests) EXPECT_FALSE(r.through.has_value());
  auto requests = h.requests;
  h.requests.clear();
  for (auto& r : requests) {
    if (r.user == "a") h.tracker.backfill_done("a", r.ticket, changes({3, 4}), 4);
    if (r.user == "b") h.tracker.backfill_done("b", r.ticket, {}, 0);
  }
  EXPECT_EQ(h.got["a"], (Seqs{3, 4}));
  EXPECT_TRUE(h.got["b"].empty());
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, AResyncDuringABackfillAsksOnceMoreAfterIt) {
  Harness h;
  h.tracker.track("u", 0, "");
  h.tracker.on_delivery(live("u", 2));
  auto r1 = h.take();
  h.tracker.resync("u");
  h.tracker.resync("u");
  EXPECT_TRUE(h.requests.empty());
  h.tracker.backfill_done("u", r1.ticket, changes({1}), 1);
  EXPECT_EQ(h.got["u"], (Seqs{1, 2}));
  auto r2 = h.take();
  EXPECT_EQ(r2.after, 2);
  EXPECT_FALSE(r2.through.has_value());
  h.tracker.backfill_done("u", r2.ticket, changes({3}), 3);
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3}));
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, AFailedBackfillIsRetriedAfterTheDelay) {
  Harness h(GapTrackerOptions{.max_held = 1024, .retry_delay = milliseconds(500)});
  const TrackerTime t0{};
  h.tracker.track("u", 0, "");
  h.tracker.on_delivery(live("u", 2));
  h.tracker.backfill_failed("u", h.take().ticket, t0);
  EXPECT_TRUE(h.tracker.backfilling("u"));
  EXPECT_EQ(h.tracker.next_deadline(), t0 + milliseconds(500));
  h.tracker.on_delivery(live("u", 3));  // held; no request before the retry
  h.tracker.tick(t0 + milliseconds(499));
  EXPECT_TRUE(h.requests.empty());
  h.tracker.tick(t0 + milliseconds(500));
  auto r = h.take();
  EXPECT_EQ(r.after, 0);
  EXPECT_EQ(r.through, 3);
  EXPECT_FALSE(h.tracker.next_deadline());
  h.tracker.backfill_done("u", r.ticket, changes({1}), 1);
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3}));
  EXPECT_EQ(h.tracker.stats().backfill_failures, 1u);
}

TEST(GapTracker, AFailedResyncIsRetriedAsAResync) {
  Harness h;
  const TrackerTime t0{};
  h.tracker.track("u", 4, "");
  h.tracker.resync("u");
  h.tracker.backfill_failed("u", h.take().ticket, t0);
  h.tracker.tick(t0 + std::chrono::seconds(1));
  auto r = h.take();
  EXPECT_EQ(r.after, 4);
  EXPECT_FALSE(r.through.has_value());
  h.tracker.backfill_done("u", r.ticket, changes({5}), 5);
  EXPECT_EQ(h.got["u"], (Seqs{5}));
}

TEST(GapTracker, StaleAnswersAreIgnored) {
  Harness h;
  h.tracker.track("u", 0, "");
  h.tracker.on_delivery(live("u", 2));
  auto r = h.take();
  h.tracker.backfill_done("u", r.ticket + 7, changes({1}), 1);  // not the ticket in flight
  h.tracker.backfill_done("nobody", r.ticket, changes({1}), 1);
  EXPECT_TRUE(h.got["u"].empty());
  h.tracker.forget("u");
  h.tracker.track("u", 5, "");  // a new first socket: the old request no longer counts
  h.tracker.backfill_done("u", r.ticket, changes({1}), 1);
  h.tracker.backfill_failed("u", r.ticket, TrackerTime{});
  EXPECT_TRUE(h.got["u"].empty());
  EXPECT_FALSE(h.tracker.backfilling("u"));
  h.tracker.on_delivery(live("u", 6));
  EXPECT_EQ(h.got["u"], (Seqs{6}));
}

TEST(GapTracker, AnotherEpochIsDropped) {
  Harness h;
  h.tracker.track("u", 0, "epoch-1");
  h.tracker.on_delivery(live("u", 1, "epoch-2"));
  h.tracker.on_delivery(live("u", 1, ""));  // unknown epoch: accepted
  h.tracker.on_delivery(live("u", 2, "epoch-1"));
  EXPECT_EQ(h.got["u"], (Seqs{1, 2}));
  EXPECT_EQ(h.tracker.stats().foreign_epoch, 1u);
}

TEST(GapTracker, HeldFramesAreBoundedAndTheBackfillBringsTheRest) {
  Harness h(GapTrackerOptions{.max_held = 2, .retry_delay = milliseconds(1)});
  h.tracker.track("u", 0, "");
  for (int s = 2; s <= 6; ++s) h.tracker.on_delivery(live("u", s));
  EXPECT_EQ(h.tracker.held("u"), 2u);
  EXPECT_EQ(h.tracker.stats().held_overflow, 3u);
  auto r = h.take();
  h.tracker.backfill_done("u", r.ticket, changes({1}), 1);  // only the first gap
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3}));
  auto r2 = h.take();
  EXPECT_EQ(r2.after, 3);
  EXPECT_EQ(r2.through, 6);
  h.tracker.backfill_done("u", r2.ticket, changes({4, 5, 6}), 6);
  EXPECT_EQ(h.got["u"], (Seqs{1, 2, 3, 4, 5, 6}));
}

TEST(GapTracker, AStoreWithoutTheAnnouncedChangeDoesNotStallTheUser) {
  Harness h;
  h.tracker.track("u", 0, "");
  h.tracker.on_delivery(live("u", 3));
  h.tracker.on_delivery(live("u", 4));
  h.tracker.backfill_done("u", h.take().ticket, {}, 0);  // no progress
  EXPECT_EQ(h.got["u"], (Seqs{3, 4}));
  EXPECT_EQ(h.tracker.stats().gaps_skipped, 1u);
  EXPECT_TRUE(h.requests.empty());
}

TEST(GapTracker, SynchronousAnswersAndForgettingInsideDeliverAreSafe) {
  std::vector<std::int64_t> got;
  GapTracker* self = nullptr;
  GapTracker tracker({}, GapTracker::Hooks{
                             [&](std::string_view user, std::int64_t seq, const EncodedFrame&) {
                               got.push_back(seq);
                               if (seq == 3) self->forget(user);  // the last socket closed on overflow
                             },
                             [&](const BackfillRequest& r) {
                               self->backfill_done(r.user, r.ticket, changes({1, 2, 3, 4}), 4);  // at once
                             }});
  self = &tracker;
  tracker.track("u", 0, "");
  tracker.on_delivery(live("u", 5));
  EXPECT_EQ(got, (Seqs{1, 2, 3})) << "nothing more once the user is forgotten";
  EXPECT_FALSE(tracker.tracking("u"));
}

}  // namespace
}  // namespace scansync::fanout
