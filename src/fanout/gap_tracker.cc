#include "fanout/gap_tracker.h"

#include <algorithm>

namespace scansync::fanout {

// Re-entrancy: the hooks may call back in (a socket's overflow closes it and
// the last one forgets its user; a store may answer a backfill at once).
// So every state change happens before a hook is called, and after each
// call the user's state is looked up again and checked by generation.

GapTracker::GapTracker(GapTrackerOptions options, Hooks hooks) : options_(options), hooks_(std::move(hooks)) {}

GapTracker::UserState* GapTracker::find(std::string_view user) {
  auto it = users_.find(std::string(user));
  return it == users_.end() ? nullptr : &it->second;
}

const GapTracker::UserState* GapTracker::find(std::string_view user) const {
  auto it = users_.find(std::string(user));
  return it == users_.end() ? nullptr : &it->second;
}

void GapTracker::track(std::string_view user, std::int64_t latest_seq, std::string_view epoch) {
  if (find(user)) return;
  UserState s;
  s.generation = next_generation_++;
  s.epoch = std::string(epoch);
  s.last = s.highest_seen = latest_seq;
  users_.emplace(std::string(user), std::move(s));
}

void GapTracker::forget(std::string_view user) { users_.erase(std::string(user)); }

bool GapTracker::tracking(std::string_view user) const { return find(user) != nullptr; }

std::optional<std::int64_t> GapTracker::last_delivered(std::string_view user) const {
  const UserState* s = find(user);
  return s ? std::optional(s->last) : std::nullopt;
}

std::size_t GapTracker::held(std::string_view user) const {
  const UserState* s = find(user);
  return s ? s->held.size() : 0;
}

bool GapTracker::backfilling(std::string_view user) const {
  const UserState* s = find(user);
  return s && (s->ticket != 0 || s->retry_at);
}

void GapTracker::on_delivery(const Delivery& d) {
  const std::string user(d.user);
  UserState* s = find(user);
  if (!s) {
    ++stats_.untracked;
    return;
  }
  if (!d.epoch.empty() && !s->epoch.empty() && d.epoch != s->epoch) {
    ++stats_.foreign_epoch;
    return;
  }
  if (d.seq <= s->last) {
    ++stats_.duplicates;
    return;
  }
  s->highest_seen = std::max(s->highest_seen, d.seq);
  const bool waiting = s->ticket != 0 || s->retry_at;
  if (!d.frame.empty() && d.seq == s->last + 1 && !waiting && s->held.empty()) {
    s->last = d.seq;
    emit(user, s->generation, {{d.seq, d.frame}});
    return;
  }
  if (!d.frame.empty()) {
    if (s->held.size() < options_.max_held || s->held.count(d.seq)) {
      s->held.emplace(d.seq, d.frame);
    } else {
      ++stats_.held_overflow;
    }
  }
  if (waiting) return;  // the answer in flight (or the retry) is followed by a drain
  ++stats_.gaps;
  settle(user, *s, {}, /*resync=*/false);
}

void GapTracker::resync(std::string_view user) {
  UserState* s = find(user);
  if (!s) return;
  if (s->ticket != 0 || s->retry_at) {
    s->resync_wanted = true;
    return;
  }
  settle(std::string(user), *s, {}, /*resync=*/true);
}

void GapTracker::resync_all() {
  std::vector<std::string> names;
  names.reserve(users_.size());
  for (const auto& [name, s] : users_) names.push_back(name);
  for (const auto& name : names) resync(name);
}

void GapTracker::backfill_done(std::string_view user, std::uint64_t ticket, std::vector<BackfillChange> changes,
                               std::int64_t covered_through, bool has_more) {
  UserState* s = find(user);
  if (!s || ticket == 0 || s->ticket != ticket) return;
  s->ticket = 0;
  const bool was_resync = s->ticket_is_resync;
  const std::int64_t before = s->last;
  std::stable_sort(changes.begin(), changes.end(),
                   [](const BackfillChange& a, const BackfillChange& b) { return a.seq < b.seq; });
  Batch out;
  for (auto& c : changes) {
    if (c.seq <= s->last || c.frame.empty()) continue;
    s->last = c.seq;
    out.emplace_back(c.seq, std::move(c.frame));
  }
  stats_.recovered += out.size();
  s->last = std::max(s->last, covered_through);
  const bool progress = s->last > before;
  // A resync asks up to the latest: a cut page is followed by the next one.
  const bool resync = s->resync_wanted || (was_resync && has_more && progress);
  s->resync_wanted = false;
  if (!progress && !resync) {
    // The store does not have what was announced: deliver what is held
    // rather than ask again for ever.
    const bool gap = !s->held.empty() || s->highest_seen > s->last;
    if (gap) {
      ++stats_.gaps_skipped;
      for (auto& [seq, frame] : s->held) out.emplace_back(seq, std::move(frame));
      if (!s->held.empty()) s->last = std::max(s->last, s->held.rbegin()->first);
      s->last = std::max(s->last, s->highest_seen);
      s->held.clear();
    }
  }
  settle(std::string(user), *s, std::move(out), resync);
}

void GapTracker::backfill_failed(std::string_view user, std::uint64_t ticket, TrackerTime now) {
  UserState* s = find(user);
  if (!s || ticket == 0 || s->ticket != ticket) return;
  ++stats_.backfill_failures;
  s->ticket = 0;
  if (s->ticket_is_resync) s->resync_wanted = true;
  s->retry_at = now + options_.retry_delay;
}

void GapTracker::tick(TrackerTime now) {
  std::vector<std::string> due;
  for (const auto& [name, s] : users_)
    if (s.retry_at && *s.retry_at <= now) due.push_back(name);
  for (const auto& name : due) {
    UserState* s = find(name);
    if (!s || !s->retry_at || *s->retry_at > now) continue;
    s->retry_at.reset();
    const bool resync = s->resync_wanted;
    s->resync_wanted = false;
    settle(name, *s, {}, resync);
  }
}

std::optional<TrackerTime> GapTracker::next_deadline() const {
  std::optional<TrackerTime> next;
  for (const auto& [name, s] : users_)
    if (s.retry_at && (!next || *s.retry_at < *next)) next = s.retry_at;
  return next;
}

void GapTracker::settle(const std::string& user, UserState& s, Batch out, bool resync) {
  while (!s.held.empty() && s.held.begin()->first <= s.last) {
    ++stats_.duplicates;
    s.held.erase(s.held.begin());
  }
  while (!s.held.empty() && s.held.begin()->first == s.last + 1) {
    auto node = s.held.extract(s.held.begin());
    s.last = node.key();
    out.emplace_back(node.key(), std::move(node.mapped()));
  }
  const bool gap = !s.held.empty() || s.highest_seen > s.last;
  BackfillRequest req;
  if (gap || resync) {
    req.user = user;
    req.ticket = s.ticket = next_ticket_++;
    req.after = s.last;
    if (!resync) req.through = s.highest_seen;
    s.ticket_is_resync = resync;
    ++stats_.backfills;
  }
  const std::uint64_t generation = s.generation;
  emit(user, generation, out);
  if (req.ticket == 0) return;
  UserState* now = find(user);
  if (!now || now->generation != generation || now->ticket != req.ticket) return;
  hooks_.request_backfill(req);
}

void GapTracker::emit(const std::string& user, std::uint64_t generation, const Batch& out) {
  for (const auto& [seq, frame] : out) {
    const UserState* s = find(user);
    if (!s || s->generation != generation) return;
    ++stats_.delivered;
    hooks_.deliver(user, seq, frame);
  }
}

}  // namespace scansync::fanout
