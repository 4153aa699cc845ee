#include "device/schema.h"

#include <array>
#include <cstring>
#include <fstream>
#include <string>

namespace scansync::device::detail {
namespace {

// Every table is keyed by users.uid: the user scopes every query, and an
// integer key keeps the b-trees small whatever the user ids look like.
//
// scans: live scans only (a deleted scan leaves a tombstone instead).
//   seq = 0 and synced = 0 until the server has the scan. A rowid table:
//   rows are appended in the order they arrive, so a catch-up page dirties
//   a few table pages instead of one per row (ids are random UUIDs, and a
//   table keyed by id would scatter full rows over the file). scans_id, the
//   lookup by id, is the one b-tree that random ids reach, and its entries
//   are small. scans_newest serves the UI's newest-first listing; ties on
//   created_at stay in rowid order in it (so inserting is an append even
//   when a burst shares a timestamp) and are sorted by id at query time.
// tombstones: ids deleted here or by the server. seq = 0 while the server
//   has not confirmed the delete (the remove item may still be pending).
// outbox: position is the rowid, so FIFO order comes free. AUTOINCREMENT:
//   a position is never handed out twice, even after the newest item is
//   acked, so a sender may remember "sent up to position p". kind 0 = create,
//   1 = remove; at most one item of each kind per id.
// sync_cursor: one row per user once the first change is applied.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE users(
  uid  INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE settings(
  uid   INTEGER NOT NULL,
  key   TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(uid, key)
) WITHOUT ROWID;
CREATE TABLE scans(
  uid        INTEGER NOT NULL,
  id         TEXT NOT NULL,
  code       TEXT NOT NULL,
  format     TEXT NOT NULL,
  device_id  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  seq        INTEGER NOT NULL DEFAULT 0,
  synced     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX scans_id ON scans(uid, id);
CREATE INDEX scans_newest ON scans(uid, created_at);
CREATE TABLE tombstones(
  uid        INTEGER NOT NULL,
  id         TEXT NOT NULL,
  seq        INTEGER NOT NULL DEFAULT 0,
  deleted_at TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(uid, id)
) WITHOUT ROWID;
CREATE TABLE outbox(
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  uid      INTEGER NOT NULL,
  kind     INTEGER NOT NULL,
  id       TEXT NOT NULL,
  payload  TEXT NOT NULL
);
CREATE UNIQUE INDEX outbox_item ON outbox(uid, id, kind);
CREATE INDEX outbox_fifo ON outbox(uid, position);
CREATE TABLE sync_cursor(
  uid      INTEGER PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  epoch    TEXT NOT NULL
);
)sql",
};

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::error_code check_ours(Database& db, std::int64_t& version) {
  // The first statements that read the file: a non-SQLite file fails here.
  auto v = db.query_int("PRAGMA user_version");
  if (!v.ok()) return v.error();
  auto app_id = db.query_int("PRAGMA application_id");
  if (!app_id.ok()) return app_id.error();
  auto objects = db.query_int("SELECT count(*) FROM sqlite_master");
  if (!objects.ok()) return objects.error();
  version = *v;
  if (*v == 0) {
    // Someone else's (or a half-made) database: refuse rather than mix
    // schemas. A migration commits with its user_version, so ours is never
    // half-made.
    if (*objects != 0 || *app_id != 0) return errc::not_a_device_database;
    return {};
  }
  if (*app_id != kApplicationId) return errc::not_a_device_database;
  if (*v > current_schema_version()) return errc::schema_too_new;
  return {};
}

std::error_code quick_check(Database& db) {
  auto st = db.prepare("PRAGMA quick_check(1)");
  if (!st.ok()) return st.error();
  if (!st->step()) return st->error() ? st->error() : std::error_code(errc::not_a_device_database);
  return st->column_view(0) == "ok" ? std::error_code{} : std::error_code(errc::not_a_device_database);
}

}  // namespace

int schema_version_count() { return static_cast<int>(std::size(kMigrations)); }

std::error_code check_file_header(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size == 0) return {};  // absent (SQLite creates it, or says why not) or a new database
  std::ifstream in(file, std::ios::binary);
  if (!in) return errc::open_failed;
  std::array<unsigned char, 100> header{};
  in.read(reinterpret_cast<char*>(header.data()), header.size());
  if (in.gcount() != static_cast<std::streamsize>(header.size())) return errc::not_a_device_database;
  if (std::memcmp(header.data(), "SQLite format 3", 16) != 0) return errc::not_a_device_database;
  // In WAL mode the header on disk may lag the WAL (a new database's
  // application_id may still be in the -wal file), so 0 is not conclusive;
  // prepare_schema asks SQLite then.
  const std::uint32_t app_id = be32(&header[68]);
  if (app_id != 0 && app_id != static_cast<std::uint32_t>(kApplicationId)) return errc::not_a_device_database;
  return {};
}

std::error_code prepare_schema(Database& db, const SchemaOptions& options) {
  std::int64_t version = 0;
  if (auto ec = check_ours(db, version); ec) return ec;
  if (version > 0 && options.verify) {
    if (auto ec = quick_check(db); ec) return ec;
  }

  // From here on the file is ours (or new): writing is allowed.
  auto mode = db.prepare("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.error();
  if (!mode->step()) return mode->error() ? mode->error() : std::error_code(errc::sql_error);
  if (mode->column_view(0) != "wal") return errc::open_failed;  // e.g. a read-only medium
  mode->reset();
  if (auto ec = db.exec(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); ec) {
    return ec;
  }

  for (auto v = version; v < current_schema_version(); ++v) {
    Transaction tx(db);
    if (tx.begin_error()) return tx.begin_error();
    // Re-read inside the write lock: another process may have migrated
    // (or created) the file since check_ours.
    auto now = db.query_int("PRAGMA user_version");
    if (!now.ok()) return now.error();
    if (*now > v) {
      if (*now > current_schema_version()) return errc::schema_too_new;
      v = *now - 1;
      continue;
    }
    if (auto ec = db.exec(kMigrations[v]); ec) return ec;
    if (v == 0) {
      const std::string set_app_id = "PRAGMA application_id=" + std::to_string(kApplicationId);
      if (auto ec = db.exec(set_app_id.c_str()); ec) return ec;
    }
    const std::string set_version = "PRAGMA user_version=" + std::to_string(v + 1);
    if (auto ec = db.exec(set_version.c_str()); ec) return ec;
    if (auto ec = tx.commit(); ec) return ec;
  }
  return {};
}

}  // namespace scansync::device::detail
