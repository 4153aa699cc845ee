// The GapTracker over random timelines: commits of two users published with
// losses, repeats, reordering and hints; backfills answered late, out of
// order, in cut pages, some failing; resyncs at random. Each seed is one
// replayable timeline.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fanout/gap_tracker.h"

namespace scansync::fanout {
namespace {

using std::chrono::milliseconds;

EncodedFrame frame_of(std::int64_t seq) { return text_frame("f" + std::to_string(seq)); }

Delivery live(std::string_view user, std::int64_t seq) { return Delivery{user, seq, "", frame_of(seq), false}; }

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
