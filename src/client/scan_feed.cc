#include "scansync/client/scan_feed.h"

#include <charconv>
#include <optional>

#include "json_object.h"
#include "scansync/proto/json_text.h"

namespace scansync::client {

ScanFeed::ScanFeed(Emit emit, BatchHandler on_batch, ScanFeedOptions options)
    : emit_(std::move(emit)),
      on_batch_(std::move(on_batch)),
      page_limit_(options.page_limit > 0 ? options.page_limit : 500),
      last_seq_(options.last_seq),
      epoch_(std::move(options.epoch)) {}

ScanFeed::ScanFeed(Emit emit, ChangeHandler on_change, ScanFeedOptions options)
    : ScanFeed(std::move(emit),
               BatchHandler([on_change = std::move(on_change)](const std::vector<ScanChange>& changes, std::int64_t,
                                                               std::string_view) {
                 if (on_change) {
                   for (const auto& c : changes) on_change(c);
                 }
                 return true;
               }),
               std::move(options)) {}

void ScanFeed::on_reset(std::function<void()> handler) {
  on_reset_ = [handler = std::move(handler)](std::string_view) {
    if (handler) handler();
    return true;
  };
}

void ScanFeed::catch_up() {
  ++session_;
  syncing_ = true;
  request();
}

void ScanFeed::live(std::string_view event, std::string_view data) {
  ScanChange::Op op;
  if (event == "scan:created") {
    op = ScanChange::Op::created;
  } else if (event == "scan:deleted") {
    op = ScanChange::Op::deleted;
  } else {
    return;
  }
  if (syncing_) {
    held_.push_back({op, std::string(data)});
    return;
  }
  // seq is gapless per user: a jump means changes went by unseen (a dropped
  // connection the server did not replay, or a change the host refused).
  // Fetch them before this one.
  const auto seq = json_object::find_int(data, "seq");
  if (seq && *seq > last_seq_ + 1) {
    held_.push_back({op, std::string(data)});
    return catch_up();
  }
  std::int64_t cursor = last_seq_;
  std::vector<ScanChange> batch;
  collect(op, data, &cursor, batch);
  // A refusal leaves the cursor: the next live event sees the gap. Told to
  // the host too ("apply_failed"), which catches up again later: when no
  // other event comes, nothing else would bring this one back (found by
  // scansync-sim, seed 35: a device stayed one scan behind for good).
  if (!batch.empty() && !deliver(std::move(batch), cursor, epoch_)) {
    fail("apply_failed", "the change at seq " + std::to_string(cursor) + " was not applied");
  }
}

void ScanFeed::request() {
  std::string args = "[{\"seq\":" + std::to_string(last_seq_) + ",\"limit\":" + std::to_string(page_limit_) + "}]";
  emit_("sync:since", std::move(args),
        [this, session = session_](std::error_code ec, const std::vector<std::string_view>& reply) {
          on_page(ec, reply, session);
        });
}

void ScanFeed::on_page(std::error_code ec, const std::vector<std::string_view>& reply, std::uint64_t session) {
  if (session != session_) return;
  // No answer. The connection went: the next connect catches up again.
  // Otherwise (no ack in time on a slow link that stays up) the host is
  // told, like for an error answer, so that it can try again: nothing else
  // would until the next connect (found by scansync-sim).
  if (ec || reply.empty()) {
    if (ec != errc::connection_lost && ec != errc::closed) {
      fail("sync_failed", "sync:since: " + (ec ? ec.message() : std::string("no answer")));
    }
    return finish(Ending::failed);
  }
  const std::string_view page = reply.front();
  if (json_object::find_bool(page, "ok") != true) {
    const std::string error = json_object::find_string(page, "error").value_or("malformed answer");
    if (error == "cursor_expired" && last_seq_ != 0) {
      if (!history_reset(json_object::find_string(page, "epoch").value_or(""))) return;
      return request();
    }
    fail("sync_failed", "sync:since answered " + error);
    return finish(Ending::failed);
  }
  const std::string epoch = json_object::find_string(page, "epoch").value_or("");
  const auto latest = json_object::find_int(page, "latestSeq");
  if ((!epoch_.empty() && !epoch.empty() && epoch != epoch_) || (latest && *latest < last_seq_)) {
    if (!history_reset(epoch)) return;
    return request();
  }
  const auto changes = json_object::find(page, "changes");
  auto items = changes ? json::split_array(*changes) : Result<std::vector<std::string_view>>(std::vector<std::string_view>{});
  if (!items) {
    fail("sync_failed", "sync:since answered changes that are not an array");
    return finish(Ending::failed);
  }
  std::int64_t cursor = last_seq_;
  std::vector<ScanChange> batch;
  for (const std::string_view change : *items) {
    const auto op = json_object::find_string(change, "op");
    if (op == "created") {
      if (const auto scan = json_object::find(change, "scan")) collect(ScanChange::Op::created, *scan, &cursor, batch);
    } else if (op == "deleted") {
      collect(ScanChange::Op::deleted, change, &cursor, batch);  // the tombstone fields sit beside "op"
    }
  }
  if (!deliver(std::move(batch), cursor, epoch.empty() ? epoch_ : epoch)) {
    // Held events would come after the refused page: drop them, the next
    // catch-up brings them with it.
    fail("apply_failed", "the changes after seq " + std::to_string(last_seq_) + " were not applied");
    return finish(Ending::refused);
  }
  if (json_object::find_bool(page, "hasMore") == true && !items->empty()) return request();
  finish(Ending::caught_up);
}

bool ScanFeed::history_reset(std::string_view new_epoch) {
  if (on_reset_ && !on_reset_(new_epoch)) {
    fail("apply_failed", "the history reset was not applied");
    finish(Ending::refused);
    return false;
  }
  last_seq_ = 0;
  epoch_ = std::string(new_epoch);
  held_.clear();  // everything is refetched, these included
  return true;
}

void ScanFeed::collect(ScanChange::Op op, std::string_view data, std::int64_t* cursor, std::vector<ScanChange>& batch) {
  const auto seq = json_object::find_int(data, "seq");
  auto id = json_object::find_string(data, "id");
  if (!seq || !id) return;  // not a change of the contract's shape
  if (*seq <= *cursor) {
    ++duplicates_;
    return;
  }
  *cursor = *seq;
  ScanChange change{op, *seq, std::move(*id), std::string(data)};
  if (op == ScanChange::Op::deleted) {
    // A page's tombstone carries "op"; hand out the event's shape either way.
    const auto user = json_object::find_string(data, "userId").value_or("");
    const auto at = json_object::find_string(data, "deletedAt").value_or("");
    change.json = "{\"id\":" + json::quote(change.id) + ",\"userId\":" + json::quote(user) +
                  ",\"seq\":" + std::to_string(*seq) + ",\"deletedAt\":" + json::quote(at) + "}";
  }
  batch.push_back(std::move(change));
}

bool ScanFeed::deliver(std::vector<ScanChange> batch, std::int64_t new_last_seq, const std::string& epoch) {
  if (on_batch_ && !on_batch_(batch, new_last_seq, epoch)) return false;
  last_seq_ = new_last_seq;
  epoch_ = epoch;
  return true;
}

void ScanFeed::fail(std::string_view code, std::string_view message) {
  if (on_error_) on_error_(code, message);
}

void ScanFeed::finish(Ending ending) {
  syncing_ = false;
  auto held = std::move(held_);
  held_.clear();
  if (ending == Ending::refused) return;  // they follow the refused page: the next catch-up brings them
  std::int64_t cursor = last_seq_;
  std::vector<ScanChange> batch;
  std::size_t used = 0;
  for (; used < held.size(); ++used) {
    const auto seq = json_object::find_int(held[used].data, "seq");
    // A gap means changes went by unseen: applying past it would move the
    // cursor over them for good (every later catch-up starts above them).
    // That holds when the catch-up failed too (a lost answer right after a
    // history reset left the cursor at 0 below a held live event).
    if (seq && *seq > cursor + 1) break;
    collect(held[used].op, held[used].data, &cursor, batch);
  }
  if (!batch.empty() && !deliver(std::move(batch), cursor, epoch_)) return;
  // No answer: the events past the gap are dropped, not fetched at once
  // (the server did not answer); the next connect's catch-up, or the gap
  // the next live event shows, brings them.
  if (used < held.size() && ending == Ending::caught_up) {
    // Fetch what lies in the gap, then the rest of the held events.
    held_.assign(std::make_move_iterator(held.begin() + static_cast<std::ptrdiff_t>(used)),
                 std::make_move_iterator(held.end()));
    catch_up();
  }
}

}  // namespace scansync::client
