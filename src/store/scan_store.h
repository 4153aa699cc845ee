#pragma once
// ScanStore: the gateway's scans in SQLite, one change feed per user.
//
// Semantics (the wire contract's seq rules, made concrete):
// - Every create and every delete of a user takes the next seq of that user
//   (user_state.last_seq + 1) in the same transaction as the row change, so
//   seqs are strictly increasing and gapless per user. Outside a batch a
//   change is committed before the call returns; inside one, at
//   commit_batch() (see "Batches").
// - A row's place in the change feed is its latest change: a live scan is
//   listed at its creation seq as "created"; a deleted scan (tombstone) only
//   at its deletion seq as "deleted" — its creation is superseded. Feed seqs
//   therefore may skip numbers (the superseded creations); clients apply by
//   id and seq, and a delete of an id they never saw is a no-op for them.
// - Ids are scoped per user: the key is (user, id), and the same id under
//   another user is another scan. Ids are compared byte for byte; the
//   the scan front (scans/scan_requests.h) hands in canonical (lower-case) UUIDs only.
// - Quota: with max_live_scans_per_user set, a create of a new scan for a
//   user who already holds that many live scans is refused
//   (CreateOutcome::quota_exceeded, no seq taken). A create of an id the user
//   holds is answered `existing` regardless; deletes free quota.
// - Tombstones: at most `tombstone_limit` deleted rows are kept per user; the
//   oldest are pruned. user_state.oldest_kept_seq is then the deletion seq of
//   the newest pruned tombstone: a cursor below it could miss a deletion, so
//   changes_since(cursor < oldest_kept_seq) → errc::cursor_expired. A cursor
//   above last_seq (a client that saw another database) is expired as well.
//   Once pruned, an id is unknown again (delete → not_found, create → new scan).
// - Epoch: a random 128-bit hex text chosen when the database is created and
//   kept for its life; every page carries it (contract "Epoch and history
//   resets"). A restored or rebuilt database gets a new one.
// - Pages are bounded twice: by a row count, and by the rows' approximate
//   wire size (wire_size(); at least one row per page), so that no single
//   request holds the event loop for long whatever the scans hold.
// - Lock waits: statements wait at most busy_timeout_ms (default 0) for
//   another connection's lock, then fail with errc::busy; the gateway's event
//   loop never sleeps in SQLite.
//
// Batches (group commit): begin_batch() makes the following creates and
// deletes share one write transaction, committed by commit_batch(); each of
// them runs in its own savepoint, so one that fails undoes only itself.
// Until commit_batch() returns no error nothing of the batch is durable or
// visible to other connections; reads through this store see it. If
// commit_batch() fails, or the store is destroyed first, the whole batch is
// rolled back, its seqs are handed out again, and every write of it must be
// treated as failed. Details in batch_transaction.h.
//
// Single-threaded: one connection, used from one thread (plus, unseen, the
// Checkpointer's own connection and thread).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "scans/scan.h"
#include "scansync/result.h"
#include "store/durability.h"
#include "store/store_errors.h"

namespace scansync::store {

// The stored shapes are the scan domain's (scans/scan.h), shared with the
// other ScanRepository engines.
using scans::ChangePage;
using scans::kNoByteLimit;
using scans::LivePage;
using scans::NewScan;
using scans::StoredScan;
using scans::wire_size;

enum class CreateOutcome { created, existing, quota_exceeded };
struct CreateResult {
  CreateOutcome outcome = CreateOutcome::created;
  StoredScan scan;  // created or existing (possibly a tombstone); empty for quota_exceeded
};

enum class DeleteOutcome { deleted, already_deleted, not_found };
struct DeleteResult {
  DeleteOutcome outcome = DeleteOutcome::not_found;
  StoredScan scan;  // the tombstone (deleted_seq, deleted_at_ms set) unless not_found
};

struct StoreOptions {
  std::size_t tombstone_limit = 10000;
  std::size_t max_live_scans_per_user = 0;  // 0: no quota
  Durability durability = Durability::full;
  // How long a statement waits for another connection's lock before
  // errc::busy. Opening (and migrating) the file always waits up to 5 s.
  int busy_timeout_ms = 0;
  // WAL checkpoints on a thread of their own (checkpointer.h) instead of
  // inside the commit that crosses the threshold.
  bool background_checkpoint = true;
};

class ScanStore {
 public:
  // Creates the file and schema if absent, migrates an older schema (one
  // transaction). A file that is not SQLite, is corrupt, or is another
  // application's database → not_a_database; a newer schema → schema_too_new.
  static Result<std::unique_ptr<ScanStore>> open(const std::filesystem::path& file, StoreOptions opts);
  ~ScanStore();  // an uncommitted batch is rolled back
  ScanStore(const ScanStore&) = delete;
  ScanStore& operator=(const ScanStore&) = delete;

  // Errors: errc::busy (locked by another connection: nothing changed, retry
  // later), sql_error (disk full, I/O …).
  Result<CreateResult> create(std::string_view user, const NewScan& scan);
  Result<DeleteResult> remove(std::string_view user, std::string_view id, std::int64_t now_ms);

  // Changes with change_seq > since, at most `limit` (≥ 1) of them, and no
  // more than `max_bytes` of wire_size() unless the first alone is larger.
  Result<ChangePage> changes_since(std::string_view user, std::int64_t since, std::size_t limit,
                                   std::size_t max_bytes = kNoByteLimit);
  // Live scans, newest first, from the newest (before = nullopt) or those
  // with seq < *before; bounded like changes_since. Reads the (user,
  // change_seq) index backwards, skipping the user's tombstones (at most
  // tombstone_limit).
  Result<LivePage> live_page(std::string_view user, std::optional<std::int64_t> before, std::size_t limit,
                             std::size_t max_bytes = kNoByteLimit);

  // A real write that changes nothing of the scans: an upsert of
  // meta('write_probe') = now_ms, through the batch like any write (inside a
  // batch it commits with it). Errors as create(): busy, disk_full,
  // read_only, io_error, sql_error. For the gateway's /readyz.
  std::error_code probe_write(std::int64_t now_ms);

  // Group commit (see "Batches" above). begin_batch() while a batch is active
  // does nothing; commit_batch() outside a batch returns {}.
  void begin_batch();
  [[nodiscard]] std::error_code commit_batch();
  bool in_batch() const;

  const std::string& epoch() const;

  static constexpr std::int64_t kSchemaVersion = 2;  // PRAGMA user_version; see schema.h

 private:
  struct Impl;
  explicit ScanStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scansync::store
