#pragma once
// DeviceStore: the mobile client's local database (SQLite, native only).
//
// The phone is where scans are made, often offline. Everything the app shows
// and everything it still owes the server lives here, so a killed app or a
// week offline loses nothing:
//   - scans: the user's live scans, those that came from the server and those
//     made on this device and not yet acknowledged (synced = false);
//   - the outbox: this device's creates and deletes, in FIFO order, with no
//     cap, each kept until the server acks it (across restarts);
//   - tombstones: ids deleted here or by the server, so that a late or
//     replayed create of a deleted id never brings it back;
//   - the sync cursor (last seq applied, epoch) and the app's settings.
//
// Every row belongs to the user the store was opened for: opening the same
// file as another user shows none of the previous user's scans, outbox,
// cursor or settings.
//
// Errors are values: every call returns an error_code or a Result, and an
// SQLite failure never throws. A call that fails changes nothing (each
// mutation is one transaction).
//
// Not thread-safe: use a DeviceStore from one thread at a time (the client's
// executor). Several DeviceStores (or processes) may share one file; writers
// wait up to busy_timeout_ms for each other.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "scansync/result.h"

namespace scansync::device {

enum class errc {
  open_failed = 1,        // the file cannot be opened or created (missing folder, permissions)
  not_a_device_database,  // not SQLite, truncated, corrupt, or another application's database
  schema_too_new,         // written by a newer scansync (PRAGMA user_version above ours)
  storage_full,           // SQLITE_FULL: the disk (or the max_page_count cap) is full
  busy,                   // another connection held the write lock past busy_timeout_ms
  sql_error,              // any other SQLite failure (I/O error, …)
  bad_scan,               // JSON or a Scan that does not follow the contract
  wrong_user,             // a scan whose userId is not the store's user
  not_found,              // no live scan with that id
  deleted,                // add_local_scan of an id this device already holds a tombstone for
};
const std::error_category& category();  // name "scansync.device"
inline std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace scansync::device

template <>
struct std::is_error_code_enum<scansync::device::errc> : std::true_type {};

namespace scansync::device {

// A scan as the device shows it.
struct Scan {
  std::string id;  // UUID v4, canonical lower case
  std::string user_id, code, format, device_id, created_at;  // created_at: RFC 3339 UTC with ms
  std::int64_t seq = 0;  // the server's seq; 0 while not acknowledged
  bool synced = false;   // the server has it (applied from the server, or acked)
  friend bool operator==(const Scan&, const Scan&) = default;
};

// Decodes a contract Scan object (the scan:created argument, or an ack's
// "scan") from JSON text without building a DOM: the text is validated once
// (json::is_valid), then its top-level members are scanned. Required: id,
// userId, code, format, deviceId, createdAt (strings, id non-empty) and seq
// (an integer >= 1, no fraction or exponent). Unknown members are ignored; a
// missing, mistyped or repeated required member, or text that is not one
// JSON object, → errc::bad_scan. The result has synced = true (it is the
// server's copy).
Result<Scan> decode_scan(std::string_view json);

// scan:deleted's {"id","userId","seq","deletedAt"}, or a sync:since entry
// {"op":"deleted","id","seq","deletedAt"} (which has no userId, so userId is
// optional here; when present it must be a string). Same rules as
// decode_scan.
struct Deletion {
  std::string id;
  std::int64_t seq = 0;
  std::string deleted_at;
  std::string user_id;  // "" when the JSON had none
  friend bool operator==(const Deletion&, const Deletion&) = default;
};
Result<Deletion> decode_deletion(std::string_view json);

// One change from the server (a live event or a sync:since page entry).
struct ServerChange {
  enum class Op { created, deleted };
  Op op = Op::created;
  Scan scan;          // op == created
  Deletion deletion;  // op == deleted
  std::int64_t seq = 0;  // the change's place in the user's feed (scan.seq or deletion.seq)
};
// A live event's argument: decode_scan (created) or decode_deletion (deleted)
// into a ServerChange with seq filled in. Pairs with client::ScanChange's
// op and json.
Result<ServerChange> decode_server_change(ServerChange::Op op, std::string_view json);
// A sync:since page entry: {"op":"created","scan":Scan} or
// {"op":"deleted","id","seq","deletedAt"}. Anything else → errc::bad_scan.
Result<ServerChange> decode_page_change(std::string_view json);

// The sync position: the last seq applied and the epoch of the server's
// history it belongs to ("" until the first sync:since reply).
struct Cursor {
  std::int64_t last_seq = 0;
  std::string epoch;
  friend bool operator==(const Cursor&, const Cursor&) = default;
};

// What this device still owes the server, in the order it must be sent.
struct OutboxItem {
  enum class Kind { create, remove };
  Kind kind = Kind::create;
  std::string id;
  // The event's argument, ready to emit: create → scan:create's
  // {"id","code","format","deviceId","createdAt"}; remove → scan:delete's {"id"}.
  std::string payload;
  // FIFO order: strictly increasing in the order items were queued, and
  // never reused (an item queued after another was acked gets a higher one).
  std::int64_t position = 0;
};

struct DeviceStoreOptions {
  int busy_timeout_ms = 1000;
  // normal: WAL + synchronous=NORMAL: a committed transaction survives the app
  //   being killed; an OS crash or power loss may drop the last commits.
  // full: synchronous=FULL, one fsync per commit: survives power loss too.
  enum class Durability { normal, full };
  Durability durability = Durability::normal;
  // Page cache of the connection. A catch-up of 100,000 scans inserts into
  // b-trees keyed by random UUIDs; a cache smaller than the working set turns
  // each insert into disk reads.
  int cache_kib = 8 * 1024;
  // The WAL is copied into the database file (a checkpoint, with its
  // fdatasyncs) once it holds this many pages. Each commit of random ids
  // rewrites most index pages it touches; a larger WAL lets one checkpoint
  // write each page once for many commits. 8192 pages: a WAL of up to 32 MB.
  // The app may also checkpoint() when idle. 0: SQLite's default (1000).
  int wal_autocheckpoint_pages = 8192;
  // After a checkpoint the WAL file is truncated to at most this size, so a
  // burst does not leave a large file behind on the phone.
  std::int64_t wal_size_limit_bytes = 4 * 1024 * 1024;
  // PRAGMA quick_check at open (O(file size), a few ms per MB), so that a
  // truncated or damaged file is refused at open rather than failing later.
  bool verify_on_open = true;
  // A cap on the file's size in pages (0: none). Reaching it fails the
  // transaction with errc::storage_full, as a full disk would; tests use it
  // to inject that failure.
  std::int64_t max_page_count = 0;
};

class DeviceStore {
 public:
  // Opens the file (creating it and its folder's -wal/-shm companions), in
  // WAL mode, and brings the schema to the current version (PRAGMA
  // user_version, versioned migrations, each in one transaction) under an
  // application_id of its own ("ScDv", distinct from the gateway's). A file
  // that is not SQLite, truncated, corrupt or another application's (the
  // gateway's included) → errc::not_a_device_database; one from a newer
  // scansync → errc::schema_too_new. In both cases the file is left exactly
  // as it was (nothing is written before it is known to be ours). An empty
  // (0-byte) file is a new database. `user` scopes every later call.
  static Result<std::unique_ptr<DeviceStore>> open(const std::filesystem::path& file, std::string user,
                                                   DeviceStoreOptions options = {});
  ~DeviceStore();
  DeviceStore(const DeviceStore&) = delete;
  DeviceStore& operator=(const DeviceStore&) = delete;

  const std::string& user() const;

  // Settings (the app's AsyncStorage): key/value per user, e.g. "backend_url".
  Result<std::optional<std::string>> setting(std::string_view key);
  std::error_code set_setting(std::string_view key, std::string_view value);
  // The device id: a random UUID v4 made on first use and kept in the
  // settings under "device_id" (so it is per user, like every setting).
  Result<std::string> device_id();

  // A scan made on this device: the row (synced = false, seq 0) and a create
  // item in the outbox, in one transaction. Returns the stored Scan. An empty
  // user_id or device_id is filled with the store's user and device_id();
  // another user_id → errc::wrong_user. id must be a UUID v4 (upper case
  // hex is stored in lower case, the canonical form), code 1..4096 bytes,
  // format and created_at non-empty, else errc::bad_scan. The same id again:
  // no second row, no second outbox item, the stored Scan is returned. An id
  // this device deleted (tombstone) → errc::deleted.
  Result<Scan> add_local_scan(const Scan& scan);
  // A delete made on this device. If the scan's create is still in the outbox
  // (never acked), the row and that item go: cancelled locally, nothing to
  // send. Otherwise the row goes and a remove item is queued. Either way a
  // tombstone is kept, so a create the server already stored (sent, ack not
  // yet seen) is answered with a remove when it shows up (ack_create or
  // apply). No live scan with that id → errc::not_found.
  std::error_code delete_local(std::string_view id);

  // The oldest `limit` items, FIFO order. Items stay until acked.
  Result<std::vector<OutboxItem>> outbox(std::size_t limit = 1000);
  Result<std::size_t> outbox_size();
  // The server acked a create (`stored`: the ack's Scan, with its seq): the
  // row is marked synced with that seq (the server's copy of the fields
  // wins), the create item goes. Idempotent. If the scan was deleted here
  // meanwhile (the delete cancelled the create while it was in flight), a
  // remove item is queued instead, since the server now has it.
  // stored.user_id other than the store's → errc::wrong_user.
  std::error_code ack_create(const Scan& stored);
  // The server acked a remove (or answered not_found: nothing to delete
  // there): the remove item goes. `seq`: the ack's seq when known; it is kept
  // on the tombstone. Idempotent.
  std::error_code ack_remove(std::string_view id, std::int64_t seq = 0);

  // Applies a burst of server changes (a catch-up page, or a run of live
  // events) and moves the cursor to `cursor`, all in one transaction:
  //   created: inserted unless the id is there (by id); a local unsynced row
  //     of that id becomes synced with the server's seq and its create item
  //     goes (the server has it). An id with a tombstone is ignored (a late
  //     create of a deleted scan), except that a tombstone of a delete the
  //     server has not confirmed and no remove pending queues a remove.
  //     A scan of another user is ignored.
  //   deleted: the row goes, a tombstone (with the server's seq) is kept, and
  //     any outbox item of that id goes (the server's delete is final).
  // The same change twice leaves exactly one row. The cursor is stored as
  // given (the caller decides it; nothing is checked against it). If the
  // transaction fails (disk full, I/O error, busy) nothing changes, the
  // cursor included, and the error is returned: fetch the changes again.
  std::error_code apply(const std::vector<ServerChange>& changes, const Cursor& cursor);
  Result<Cursor> cursor();

  // History reset (contract: a new epoch, a latestSeq below the cursor, or
  // cursor_expired), in one transaction:
  //   - rows neither made by this device (device_id == ours) nor in the
  //     outbox are dropped (they came from the server and will come again);
  //   - this device's rows become unsynced (seq 0) and those without a
  //     create item get one, oldest first, so the server ends up with every
  //     scan the device holds (re-sends are idempotent by id);
  //   - the server-confirmed tombstones are cleared; those of deletes made
  //     here and not yet confirmed stay with their remove items;
  //   - the cursor becomes {0, new_epoch}.
  std::error_code reset_history(std::string_view new_epoch);

  // Live scans, newest first (by created_at, then id), for the UI. Both are
  // served from memory once read (the count at the first call, the rows for
  // the last limit asked), kept up to date by this store's own writes, and
  // read again after a history reset or once another connection has
  // committed (PRAGMA data_version), so a catch-up page costs no O(rows)
  // query to show.
  Result<std::vector<Scan>> scans(std::size_t limit = 1000);
  Result<std::size_t> scan_count();
  // One live scan by id, nullopt when there is none.
  Result<std::optional<Scan>> scan(std::string_view id);

  // Copies the WAL into the database file and truncates it (the app calls
  // it when idle or going to the background; commits are durable without
  // it). errc::busy when another connection's reader or writer is in the way
  // (nothing is lost: the next checkpoint does it).
  std::error_code checkpoint();

  struct Impl;

 private:
  explicit DeviceStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scansync::device
