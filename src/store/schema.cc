#include "store/schema.h"

#include <string>

namespace scansync::store {
namespace {

// user_state.last_seq: the highest seq handed out to the user (creates and
//   deletes). oldest_kept_seq: the smallest sync cursor still answerable.
//   tombstones: number of deleted rows of the user still kept.
// scans.seq: the creation's seq. deleted_seq/deleted_at (unix ms): set when
//   deleted. change_seq = COALESCE(deleted_seq, seq): the row's one place in
//   the change feed, unique per user.
// PRIMARY KEY(id, user) is the contract's unique (user, id) with the columns
// swapped so that it also serves the lookup by id alone (the cross-user check
// on create); WITHOUT ROWID makes it the table itself. A create then writes
// three b-tree pages (scans, scans_feed, user_state) instead of five.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE user_state(
  user            TEXT PRIMARY KEY NOT NULL,
  last_seq        INTEGER NOT NULL,
  oldest_kept_seq INTEGER NOT NULL DEFAULT 0,
  tombstones      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE scans(
  user        TEXT NOT NULL,
  id          TEXT NOT NULL,
  code        TEXT NOT NULL,
  format      TEXT NOT NULL,
  device_id   TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  deleted_seq INTEGER,
  deleted_at  INTEGER,
  change_seq  INTEGER NOT NULL,
  PRIMARY KEY(id, user)
) WITHOUT ROWID;
CREATE UNIQUE INDEX scans_feed ON scans(user, change_seq);
CREATE INDEX scans_tombstones ON scans(user, deleted_seq) WHERE deleted_seq IS NOT NULL;
)sql";

}  // namespace

std::error_code prepare_schema(Database& db) {
  // The first statement that reads the file: a non-SQLite file fails here.
  auto mode = db.prepare("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.error();
  if (!mode->step()) return mode->error() ? mode->error() : std::error_code(errc::sql_error);
  if (mode->column_text(0) != "wal") return errc::open_failed;  // e.g. a :memory: or read-only file
  mode->reset();
  if (auto ec = db.exec("PRAGMA synchronous=NORMAL"); ec) return ec;

  auto version = db.query_int("PRAGMA user_version");
  auto app_id = db.query_int("PRAGMA application_id");
  auto objects = db.query_int("SELECT count(*) FROM sqlite_master");
  if (!version || !app_id || !objects) return errc::not_a_database;

  if (*version == 0) {
    // Someone else's (or a half-made) database: refuse rather than mix schemas.
    if (*objects != 0 || *app_id != 0) return errc::not_a_database;
    Transaction tx(db);
    if (tx.begin_error()) return tx.begin_error();
    if (auto ec = db.exec(kSchemaV1); ec) return ec;
    const std::string set_app_id = "PRAGMA application_id=" + std::to_string(kApplicationId);
    if (auto ec = db.exec(set_app_id.c_str()); ec) return ec;
    if (auto ec = db.exec("PRAGMA user_version=1"); ec) return ec;
    return tx.commit();
  }
  if (*app_id != kApplicationId) return errc::not_a_database;
  if (*version > kCurrentSchemaVersion) return errc::schema_too_new;
  return {};
}

}  // namespace scansync::store
