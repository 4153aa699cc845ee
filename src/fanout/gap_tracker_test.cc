#include "fanout/gap_tracker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
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

// A store for the randomized timeline: every seq 1..n, some superseded (a
// creation deleted later), paged answers.
struct FakeFeed {
  std::int64_t latest = 0;
  std::set<std::int64_t> superseded;
  std::vector<BackfillChange> since(std::int64_t after, std::size_t limit, std::int64_t& covered, bool& more) const {
    std::vector<BackfillChange> out;
    covered = latest;
    more = false;
    for (std::int64_t s = after + 1; s <= latest; ++s) {
      if (superseded.count(s)) continue;
      if (out.size() == limit) {
        covered = out.back().seq;
        more = true;
        break;
      }
      out.push_back({s, frame_of(s)});
    }
    return out;
  }
};

TEST(GapTracker, RandomTimelinesDeliverEveryChangeOnceInOrder) {
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    auto chance = [&](int percent) { return std::uniform_int_distribution<int>(0, 99)(rng) < percent; };
    const std::vector<std::string> users = {"a", "b"};
    std::map<std::string, FakeFeed> feed;
    std::map<std::string, std::vector<std::int64_t>> got;
    std::deque<BackfillRequest> pending;
    GapTracker tracker(GapTrackerOptions{.max_held = static_cast<std::size_t>(1 + seed % 8), .retry_delay = milliseconds(10)},
                       GapTracker::Hooks{[&](std::string_view u, std::int64_t seq, const EncodedFrame& f) {
                                           ASSERT_EQ(*f.bytes, "f" + std::to_string(seq));
                                           got[std::string(u)].push_back(seq);
                                         },
                                         [&](const BackfillRequest& r) { pending.push_back(r); }});
    for (const auto& u : users) {
      feed[u].latest = static_cast<std::int64_t>(seed % 3);  // history before the first socket
      tracker.track(u, feed[u].latest, "");
    }
    const std::map<std::string, std::int64_t> start = {{"a", feed["a"].latest}, {"b", feed["b"].latest}};
    std::vector<Delivery> in_flight;  // reordered by the "network"
    TrackerTime now{};
    auto answer_one = [&] {
      if (pending.empty()) return;
      const std::size_t i = std::uniform_int_distribution<std::size_t>(0, pending.size() - 1)(rng);
      BackfillRequest r = pending[i];
      pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
      if (chance(15)) return tracker.backfill_failed(r.user, r.ticket, now);
      std::int64_t covered = 0;
      bool more = false;
      auto list = feed[r.user].since(r.after, 1 + seed % 4, covered, more);
      tracker.backfill_done(r.user, r.ticket, std::move(list), covered, more);
    };
    for (int step = 0; step < 200; ++step) {
      now += milliseconds(3);
      const std::string& u = users[rng() % users.size()];
      const int action = std::uniform_int_distribution<int>(0, 9)(rng);
      if (action < 4) {  // a commit somewhere, published (maybe lost, repeated, or a hint)
        FakeFeed& f = feed[u];
        const std::int64_t seq = ++f.latest;
        if (seq > 2 && chance(10)) f.superseded.insert(seq - 1 - static_cast<std::int64_t>(rng() % 2));
        if (chance(15)) continue;  // lost on the way
        Delivery d = live(u == "a" ? "a" : "b", seq);
        if (chance(10)) d.frame = {};  // sent as a hint
        in_flight.push_back(d);
        if (chance(10)) in_flight.push_back(d);  // repeated
      } else if (action < 7 && !in_flight.empty()) {  // the network delivers one, not always the oldest
        const std::size_t i = chance(70) ? 0 : std::uniform_int_distribution<std::size_t>(0, in_flight.size() - 1)(rng);
        Delivery d = in_flight[i];
        in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(i));
        tracker.on_delivery(d);
      } else if (action < 9) {
        answer_one();
      } else if (chance(30)) {
        tracker.resync_all();  // the link came back
      }
      tracker.tick(now);
    }
    // Quiet again: the link is back (resync), everything answered.
    for (auto& d : in_flight) tracker.on_delivery(d);
    tracker.resync_all();
    for (int guard = 0; guard < 1000 && (!pending.empty() || tracker.next_deadline()); ++guard) {
      if (pending.empty()) {
        now += milliseconds(10);
        tracker.tick(now);
      } else {
        BackfillRequest r = pending.front();
        pending.pop_front();
        std::int64_t covered = 0;
        bool more = false;
        auto list = feed[r.user].since(r.after, 1 + seed % 4, covered, more);
        tracker.backfill_done(r.user, r.ticket, std::move(list), covered, more);
      }
    }
    ASSERT_TRUE(pending.empty()) << "seed " << seed;
    for (const auto& u : users) {
      const auto& seqs = got[u];
      SCOPED_TRACE("seed " + std::to_string(seed) + " user " + u);
      ASSERT_TRUE(std::is_sorted(seqs.begin(), seqs.end()) &&
                  std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end())
          << "strictly increasing, each once";
      std::set<std::int64_t> delivered(seqs.begin(), seqs.end());
      for (std::int64_t s = start.at(u) + 1; s <= feed[u].latest; ++s) {
        if (feed[u].superseded.count(s)) continue;
        ASSERT_TRUE(delivered.count(s)) << "missing " << s;
      }
      if (!seqs.empty()) {
        ASSERT_GT(seqs.front(), start.at(u));
        ASSERT_LE(seqs.back(), feed[u].latest);
      }
      EXPECT_EQ(tracker.last_delivered(u), feed[u].latest);
      EXPECT_EQ(tracker.held(u), 0u);
    }
    EXPECT_EQ(tracker.stats().gaps_skipped, 0u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace scansync::fanout
