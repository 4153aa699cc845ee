#pragma once
// ScanStore: the gateway's scans in SQLite, one change feed per user.
//
// Semantics (the wire contract's seq rules, made concrete):
// - Every create and every delete of a user takes the next seq of that user
//   (user_state.last_seq + 1) in the same transaction as the row change, so
//   seqs are strictly increasing and gapless per user, and a change is
//   committed before any call returns.
// - A row's place in the change feed is its latest change: a live scan is
//   listed at its creation seq as "created"; a deleted scan (tombstone) only
//   at its deletion seq as "deleted" — its creation is superseded. Feed seqs
//   therefore may skip numbers (the superseded creations); clients apply by
//   id and seq, and a delete of an id they never saw is a no-op for them.
// - Ids are unique per user (UNIQUE(user,id)); the same id under another user
//   is refused (CreateOutcome::id_taken) while that user's row exists, so an
//   id names one scan system-wide.
// - Tombstones: at most `tombstone_limit` deleted rows are kept per user; the
//   oldest are pruned. user_state.oldest_kept_seq is then the deletion seq of
//   the newest pruned tombstone: a cursor below it could miss a deletion, so
//   changes_since(cursor < oldest_kept_seq) → errc::cursor_expired. A cursor
//   above last_seq (a client that saw another database) is expired as well.
//   Once pruned, an id is unknown again (delete → not_found, create → new scan).
// Single-threaded: one connection, used from one thread (plus, unseen, the
// Checkpointer's own connection and thread).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/result.h"
#include "store/store_errors.h"

namespace scansync::store {

struct NewScan {
  std::string id, code, format, device_id, created_at;
};

struct StoredScan {
  std::string user, id, code, format, device_id, created_at;
  std::int64_t seq = 0;                      // seq of the creation
  std::optional<std::int64_t> deleted_seq;   // set once deleted (tombstone)
  std::optional<std::int64_t> deleted_at_ms; // unix ms, set with deleted_seq
  bool deleted() const { return deleted_seq.has_value(); }
  std::int64_t change_seq() const { return deleted_seq.value_or(seq); }
};

enum class CreateOutcome { created, existing, id_taken };
struct CreateResult {
  CreateOutcome outcome = CreateOutcome::created;
  StoredScan scan;  // created or existing (possibly a tombstone); empty for id_taken
};

enum class DeleteOutcome { deleted, already_deleted, not_found };
struct DeleteResult {
  DeleteOutcome outcome = DeleteOutcome::not_found;
  StoredScan scan;  // the tombstone (deleted_seq, deleted_at_ms set) unless not_found
};

struct ChangePage {
  std::vector<StoredScan> changes;  // ordered by change_seq(), all > the cursor
  std::int64_t latest_seq = 0;      // the user's last_seq
  bool has_more = false;            // more changes follow the last one listed
};

struct LiveScans {
  std::vector<StoredScan> scans;  // newest (highest seq) first
  std::int64_t latest_seq = 0;
};

struct StoreOptions {
  std::size_t tombstone_limit = 10000;
  int busy_timeout_ms = 5000;
  // WAL checkpoints on a thread of their own (checkpointer.h) instead of
  // inside the commit that crosses the threshold.
  bool background_checkpoint = true;
};

class ScanStore {
 public:
  // Creates the file and schema if absent. A file that is not SQLite, is
  // corrupt, or is another application's database → not_a_database.
  static Result<std::unique_ptr<ScanStore>> open(const std::filesystem::path& file, StoreOptions opts);
  ~ScanStore();
  ScanStore(const ScanStore&) = delete;
  ScanStore& operator=(const ScanStore&) = delete;

  Result<CreateResult> create(std::string_view user, const NewScan& scan);
  Result<DeleteResult> remove(std::string_view user, std::string_view id, std::int64_t now_ms);
  // Changes with change_seq > since, at most `limit` (≥ 1).
  Result<ChangePage> changes_since(std::string_view user, std::int64_t since, std::size_t limit);
  Result<LiveScans> live(std::string_view user);

  static constexpr std::int64_t kSchemaVersion = 1;  // PRAGMA user_version; see schema.h

 private:
  struct Impl;
  explicit ScanStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scansync::store
