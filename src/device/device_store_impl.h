#pragma once
// DeviceStore's internals, shared by device_store*.cc. Every statement is
// prepared once at open; every method that writes expects the caller to hold
// a write Transaction, so that a public call is one transaction however many
// statements it runs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <vector>

#include "device/scan_view.h"
#include "device/sqlite_db.h"
#include "scansync/device/device_store.h"

namespace scansync::device {

struct DeviceStore::Impl {
  detail::Database db;
  std::string user;
  std::int64_t uid = 0;      // users.uid of `user`: every statement's ?1
  std::string device_id;     // cached once read or made
  DeviceStoreOptions options;

  // The prepared statements. Parameters: ?1 is always uid.
  struct Statements {
    detail::Statement find_user, add_user;
    detail::Statement get_setting, put_setting, add_setting;
    detail::Statement get_scan, insert_local, insert_server, update_server, delete_scan, list_scans, count_scans;
    detail::Statement get_tombstone, put_tombstone, confirm_tombstone, any_tombstone, clear_server_tombstones;
    detail::Statement enqueue, dequeue, dequeue_id, has_item, list_outbox, count_outbox, any_outbox;
    detail::Statement get_cursor, put_cursor;
    detail::Statement drop_foreign, list_requeue, mark_unsynced;
    detail::Statement data_version;
  } st;

  // The newest scans and the count, kept across calls (scans(), scan_count()).
  // Each write transaction records in `written` the rows it inserted,
  // updated or deleted (sqlite3_changes, so a duplicate that wrote nothing
  // records nothing); commit() hands them to the view only once the commit
  // succeeded, so a failed transaction moves nothing there either.
  detail::ScanView view;
  std::vector<detail::RowChange> written;
  // PRAGMA data_version when the view was last checked: another connection's
  // commit changes it, and the view is then read again.
  std::int64_t seen_data_version = -1;

  explicit Impl(detail::Database d) : db(std::move(d)) {}
  // Commits tx and, when that succeeded, applies `written` to the view.
  std::error_code commit(detail::Transaction& tx);
  // Forgets the view when another connection has committed since the last
  // check.
  std::error_code notice_other_writers();
  std::error_code prepare_statements();
  // Finds or adds the users row of `user` and sets uid.
  std::error_code bind_user();

  // What a batch of changes needs to know once rather than per change: an
  // empty outbox or no tombstone (the usual catch-up) skips their lookups.
  // Kept true once an item or tombstone is added in the batch.
  struct Batch {
    bool outbox_any = true;
    bool tombstones_any = true;
  };
  std::error_code begin_batch(Batch& batch);
  // One server change (or acked create), inside the caller's transaction;
  // the rules are those of DeviceStore::apply.
  std::error_code apply_created(const Scan& scan, Batch& batch);
  std::error_code apply_deleted(const Deletion& deletion, Batch& batch);

  std::error_code enqueue(OutboxItem::Kind kind, std::string_view id, std::string_view payload);
  // True when an item was there (and is gone now).
  Result<bool> dequeue(std::string_view id, OutboxItem::Kind kind);
  Result<bool> has_item(std::string_view id, OutboxItem::Kind kind);
  // The tombstone's seq (0: not confirmed by the server), nullopt when none.
  Result<std::optional<std::int64_t>> tombstone_seq(std::string_view id);
  std::error_code put_tombstone(std::string_view id, std::int64_t seq, std::string_view deleted_at);
  Result<std::optional<Scan>> find_scan(std::string_view id);
  std::error_code put_cursor(std::int64_t last_seq, std::string_view epoch);

  // A uid-only counting or EXISTS statement.
  Result<std::int64_t> count(detail::Statement& statement);
  // Reads a scans row in the column order id, code, format, device_id,
  // created_at, seq, synced.
  Scan row_scan(detail::Statement& statement) const;
};

}  // namespace scansync::device
