#pragma once
// ScanFeed: the user's scan changes, each applied once and in seq order.
//
// Live events (scan:created, scan:deleted) and the catch-up pages of
// sync:since overlap after every (re)connect; every change passes through
// one cursor, `last_seq`, so none is shown twice and none is skipped. While
// a catch-up runs, live events wait: a live seq N+5 must not make the pages'
// N+1..N+4 look old.
//
// Sans-I/O like the rest of the core: it asks its host to emit sync:since
// and is told what arrives. Not thread-safe; use it on the client's executor.
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
};

class ScanFeed {
 public:
  // How the feed sends sync:since: `args_json` is the JSON argument array.
  using Emit = std::function<void(std::string_view event, std::string args_json, AckHandler ack)>;
  using ChangeHandler = std::function<void(const ScanChange&)>;
  // The server no longer has the history since last_seq (cursor_expired):
  // drop what you hold; the feed refetches everything from seq 0.
  using ResetHandler = std::function<void()>;
  // A page could not be fetched: code "sync_failed", a readable message.
  using ErrorHandler = std::function<void(std::string_view code, std::string_view message)>;

  ScanFeed(Emit emit, ChangeHandler on_change, ScanFeedOptions options = {});

  void on_reset(ResetHandler handler) { on_reset_ = std::move(handler); }
  void on_error(ErrorHandler handler) { on_error_ = std::move(handler); }

  // Call on every "connect": starts a catch-up from last_seq.
  void catch_up();
  // Call with every scan:created / scan:deleted event and its first argument.
  void live(std::string_view event, std::string_view data);

  std::int64_t last_seq() const { return last_seq_; }
  bool catching_up() const { return syncing_; }
  std::uint64_t duplicates_skipped() const { return duplicates_; }

 private:
  void request();
  void on_page(std::error_code ec, const std::vector<std::string_view>& reply, std::uint64_t session);
  void apply(ScanChange::Op op, std::string_view data);
  // `seq`: the change's seq member, when the caller has read it already.
  void apply(ScanChange::Op op, std::string_view data, std::optional<std::int64_t> seq);
  void finish();

  Emit emit_;
  ChangeHandler on_change_;
  ResetHandler on_reset_;
  ErrorHandler on_error_;
  int page_limit_;
  std::int64_t last_seq_;
  std::uint64_t session_ = 0;  // pages answering an earlier catch-up are ignored
  bool syncing_ = false;
  std::uint64_t duplicates_ = 0;
  std::vector<std::pair<ScanChange::Op, std::string>> held_;
};

}  // namespace scansync::client
