#pragma once
// GapTracker: puts a node's deliveries back in seq order (sans-I/O; time is
// an argument). It sits between a Fanout's sink and the local sockets:
//
//   fan-out deliveries ──▶ GapTracker ──deliver──▶ rooms (local sockets)
//                             │  ▲
//             request_backfill│  │backfill_done / backfill_failed
//                             ▼  │
//                       the store (changes_since)
//
// Per tracked user it keeps `last`, the highest seq its sockets have been
// given (or, at first, the store's latest when tracking began: the sockets
// catch up on older changes themselves with sync:since). Then:
// - seq ≤ last: a duplicate (a repeat, a change the backfill brought) → dropped.
// - seq = last + 1 with a frame, nothing pending: delivered at once.
// - otherwise (a gap, a hint, or a backfill in flight): the frame is held
//   (at most max_held per user), and the tracker asks the store for the
//   changes after `last`. The answer is delivered first, in seq order; held
//   frames it covers are dropped; the rest follow once contiguous.
// - resync(user) (the subscription came into effect, the link came back):
//   a backfill from `last` up to the store's latest, even without a gap.
//
// The store's answer says up to which seq it is complete (covered_through:
// the user's latest seq, or the last change listed when the page was cut).
// The feed may skip seqs (a scan's creation is superseded by its deletion,
// scan_store.h), so covered_through, not contiguity, moves `last` over a
// backfill. One backfill per user is in flight; a failed one is retried
// after retry_delay from tick().
//
// Invariant: each user's sockets get strictly increasing seqs, each once.
// If the store answers without progress while a gap remains (it never
// should: a change is committed before it is published), the tracker
// delivers the held frames anyway rather than stall (counted in gaps_skipped).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fanout/fanout.h"

namespace scansync::fanout {

using TrackerClock = std::chrono::steady_clock;
using TrackerTime = TrackerClock::time_point;

struct BackfillRequest {
  std::string user;
  std::uint64_t ticket = 0;            // hand it back with the answer
  std::int64_t after = 0;              // changes with seq > after …
  std::optional<std::int64_t> through; // … at least up to this seq (nullopt: up to the store's latest)
};

struct BackfillChange {
  std::int64_t seq = 0;
  EncodedFrame frame;  // encoded as the live broadcast would be
};

struct GapTrackerOptions {
  std::size_t max_held = 1024;  // held frames per user; beyond, only the seq is kept (the backfill brings it)
  std::chrono::milliseconds retry_delay{500};
};

struct GapTrackerStats {
  std::uint64_t delivered = 0;        // frames handed to deliver (live and backfilled)
  std::uint64_t duplicates = 0;       // seq ≤ last, dropped
  std::uint64_t gaps = 0;             // deliveries that started a backfill
  std::uint64_t backfills = 0;        // requests made
  std::uint64_t backfill_failures = 0;
  std::uint64_t recovered = 0;        // changes delivered from backfills
  std::uint64_t held_overflow = 0;    // frames not kept (max_held)
  std::uint64_t foreign_epoch = 0;    // another epoch than the tracked one, dropped
  std::uint64_t untracked = 0;        // deliveries for a user not tracked
  std::uint64_t gaps_skipped = 0;     // see the invariant above
};

class GapTracker {
 public:
  struct Hooks {
    std::function<void(std::string_view user, std::int64_t seq, const EncodedFrame& frame)> deliver;
    // Answer later (or at once, re-entrantly) with backfill_done or backfill_failed.
    std::function<void(const BackfillRequest& request)> request_backfill;
  };
  GapTracker(GapTrackerOptions options, Hooks hooks);

  // From the first local socket of `user`: `latest_seq` and `epoch` as the
  // store has them now. Tracking a tracked user changes nothing.
  void track(std::string_view user, std::int64_t latest_seq, std::string_view epoch);
  // After the last local socket: pending frames and the backfill's answer are dropped.
  void forget(std::string_view user);
  bool tracking(std::string_view user) const;
  std::optional<std::int64_t> last_delivered(std::string_view user) const;
  std::size_t held(std::string_view user) const;
  bool backfilling(std::string_view user) const;

  void on_delivery(const Delivery& delivery);
  void resync(std::string_view user);
  void resync_all();

  // `ticket` from the request; an answer to an older request, or for a user
  // no longer tracked, is ignored. `changes` need not be sorted.
  // `covered_through`: the store's answer is complete up to this seq (the
  // user's latest, or the last change listed when the page was cut);
  // `has_more`: the page was cut (the tracker asks for the next one).
  void backfill_done(std::string_view user, std::uint64_t ticket, std::vector<BackfillChange> changes,
                     std::int64_t covered_through, bool has_more = false);
  void backfill_failed(std::string_view user, std::uint64_t ticket, TrackerTime now);
  // Retries failed backfills whose delay has passed.
  void tick(TrackerTime now);
  std::optional<TrackerTime> next_deadline() const;

  const GapTrackerStats& stats() const { return stats_; }

 private:
  struct UserState {
    std::uint64_t generation = 0;   // of this track(); tells a forgotten-and-tracked-again user apart
    std::string epoch;
    std::int64_t last = 0;
    std::int64_t highest_seen = 0;  // highest seq announced (held, overflowed or hinted)
    std::map<std::int64_t, EncodedFrame> held;
    std::uint64_t ticket = 0;       // of the backfill in flight; 0: none
    bool ticket_is_resync = false;  // it asked up to the latest: a failure must not lose that
    bool resync_wanted = false;     // a resync came while a backfill was in flight or due
    std::optional<TrackerTime> retry_at;
  };
  using Users = std::unordered_map<std::string, UserState>;
  using Batch = std::vector<std::pair<std::int64_t, EncodedFrame>>;

  UserState* find(std::string_view user);
  const UserState* find(std::string_view user) const;
  // Drops held frames ≤ last, moves the contiguous ones into `out`, asks for
  // a backfill if a gap remains (or `resync`), then emits `out`.
  void settle(const std::string& user, UserState& s, Batch out, bool resync);
  void emit(const std::string& user, std::uint64_t generation, const Batch& out);

  GapTrackerOptions options_;
  Hooks hooks_;
  Users users_;
  std::uint64_t next_ticket_ = 1;
  std::uint64_t next_generation_ = 1;
  GapTrackerStats stats_;
};

// A FanoutSink that feeds a GapTracker: deliveries go through it,
// on_subscribed resyncs the user, on_link_restored every user.
class TrackingSink final : public FanoutSink {
 public:
  explicit TrackingSink(GapTracker& tracker) : tracker_(tracker) {}
  void on_delivery(const Delivery& delivery) override { tracker_.on_delivery(delivery); }
  void on_subscribed(std::string_view user) override { tracker_.resync(user); }
  void on_link_restored() override { tracker_.resync_all(); }

 private:
  GapTracker& tracker_;
};

}  // namespace scansync::fanout
