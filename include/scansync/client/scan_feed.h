#pragma once
// ScanFeed: the user's scan changes, each applied once and in seq order.
//
// Live events (scan:created, scan:deleted) and the catch-up pages of
// sync:since overlap after every (re)connect; every change passes through
// one cursor, `last_seq`, so none is shown twice and none is skipped. While
// a catch-up runs, live events wait: a live seq N+5 must not make the pages'
// N+1..N+4 look old.
//
// The host applies changes in batches it may refuse: one batch per catch-up
// page, one per run of live events (the events held during a catch-up, or a
// single event). The cursor (last_seq, epoch) moves only when the host says
// the batch is applied, so a host whose storage failed gets the same changes
// again: a refused page stops the catch-up (on_error "apply_failed") and the
// next catch_up() fetches it again; a refused live event is reported the
// same way (the host catches up again later) and fetched by the next
// catch-up (a later live event also sees the gap and starts one). Held live
// events are never applied past a gap, whatever ended the catch-up.
//
// History resets (contract "Epoch and history resets"): a sync:since reply
// with another epoch than the one held (when one is held), with a latestSeq
// below last_seq, or cursor_expired, calls on_reset(new epoch) and refetches
// from seq 0.
//
// Sans-I/O like the rest of the core: it asks its host to emit sync:since
// and is told what arrives. Not thread-safe; use it on the client's executor.
// Handlers must not call back into the feed.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/client/types.h"

namespace scansync::client {

struct ScanChange {
  enum class Op { created, deleted };
  Op op = Op::created;
  std::int64_t seq = 0;
  std::string id;
  std::string json;  // the Scan (created) or {"id","userId","seq","deletedAt"} (deleted)
};

struct ScanFeedOptions {
  std::int64_t last_seq = 0;  // resume point, e.g. kept in the app's database
  int page_limit = 500;
  std::string epoch;          // the resume point's epoch ("" = none known yet)
};

class ScanFeed {
 public:
  // How the feed sends sync:since: `args_json` is the JSON argument array.
  using Emit = std::function<void(std::string_view event, std::string args_json, AckHandler ack)>;
  // Applies `changes` (seq order, each seq above the cursor, possibly none:
  // a page of duplicates still carries the epoch) and the cursor they lead
  // to. true: applied, the feed moves its cursor; false: refused, it does not.
  using BatchHandler =
      std::function<bool(const std::vector<ScanChange>& changes, std::int64_t new_last_seq, std::string_view epoch)>;
  // One change at a time, never refused (a view that only shows them).
  using ChangeHandler = std::function<void(const ScanChange&)>;
  // The server's history is not the one the cursor belongs to: drop what you
  // hold from the server; the feed refetches everything from seq 0.
  // `new_epoch`: the reply's epoch ("" for cursor_expired without one).
  // false: the reset could not be recorded; the catch-up stops with
  // on_error("apply_failed") and the cursor stays, so the next catch-up sees
  // the reset again.
  using ResetHandler = std::function<bool(std::string_view new_epoch)>;
  // code "sync_failed" (a page could not be fetched: an error answer, or no
  // answer in time on a connection that stayed up) or "apply_failed" (the
  // host refused a batch or a reset), and a readable message.
  using ErrorHandler = std::function<void(std::string_view code, std::string_view message)>;

  ScanFeed(Emit emit, BatchHandler on_batch, ScanFeedOptions options = {});
  ScanFeed(Emit emit, ChangeHandler on_change, ScanFeedOptions options = {});

  void on_reset(ResetHandler handler) { on_reset_ = std::move(handler); }
  void on_reset(std::function<void()> handler);  // never refuses
  void on_error(ErrorHandler handler) { on_error_ = std::move(handler); }

  // Call on every "connect": starts a catch-up from last_seq.
  void catch_up();
  // Call with every scan:created / scan:deleted event and its first argument.
  void live(std::string_view event, std::string_view data);

  std::int64_t last_seq() const { return last_seq_; }
  const std::string& epoch() const { return epoch_; }
  bool catching_up() const { return syncing_; }
  std::uint64_t duplicates_skipped() const { return duplicates_; }

 private:
  struct Raw {
    ScanChange::Op op;
    std::string data;
  };
  void request();
  void on_page(std::error_code ec, const std::vector<std::string_view>& reply, std::uint64_t session);
  // false: the host refused it (the catch-up is over).
  bool history_reset(std::string_view new_epoch);
  // Appends `data` to `batch` when it is a change of the contract's shape
  // above `*cursor` (moved to its seq); counts a duplicate otherwise.
  void collect(ScanChange::Op op, std::string_view data, std::int64_t* cursor, std::vector<ScanChange>& batch);
  bool deliver(std::vector<ScanChange> batch, std::int64_t new_last_seq, const std::string& epoch);
  // How a catch-up ended: every page applied, no usable answer, or a page
  // (or a reset) the host refused.
  enum class Ending { caught_up, failed, refused };
  void finish(Ending ending);
  void fail(std::string_view code, std::string_view message);

  Emit emit_;
  BatchHandler on_batch_;
  ResetHandler on_reset_;
  ErrorHandler on_error_;
  int page_limit_;
  std::int64_t last_seq_;
  std::string epoch_;
  std::uint64_t session_ = 0;  // pages answering an earlier catch-up are ignored
  bool syncing_ = false;
  std::uint64_t duplicates_ = 0;
  std::vector<Raw> held_;
};

}  // namespace scansync::client
