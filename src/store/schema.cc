#include "store/schema.h"

#include <iterator>
#include <string>

namespace scansync::store {
namespace {

// Version 1.
// user_state.last_seq: the highest seq handed out to the user (creates and
//   deletes). oldest_kept_seq: the smallest sync cursor still answerable.
//   tombstones: number of deleted rows of the user still kept.
// scans.seq: the creation's seq. deleted_seq/deleted_at (unix ms): set when
//   deleted. change_seq = COALESCE(deleted_seq, seq): the row's one place in
//   the change feed, unique per user.
// PRIMARY KEY(id, user) is the unique (user, id) with the columns swapped (v1
// also looked ids up across users); every lookup binds both columns, so the
// order costs nothing, and changing it would rebuild the table. WITHOUT ROWID
// makes the key the table itself: a create writes three b-tree pages (scans,
// scans_feed, user_state) instead of five.
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

// Version 1 → 2.
// - meta('epoch'): 128 random bits in hex, the identity of this database's
//   histories (contract "Epoch and history resets"). Chosen once, when the
//   file reaches v2 (created, or migrated from v1: v1 replies carried no
//   epoch, so no client holds an older one), and kept across reopen.
// - user_state.live_scans: the user's live (not deleted) scans, for the
//   quota; counted here from the rows, kept by every create and delete after.
// - Ids in canonical lower case (v1 stored them as sent). A clash — one user
//   holding the same UUID in two spellings, i.e. one device's scan sent twice
//   — keeps the row with the latest change (highest change_seq: its newest
//   state) and drops the others without a tombstone. Clients may have seen a
//   dropped row, so that user's history is cut: last_seq moves one past its
//   end and oldest_kept_seq to it, and every cursor of theirs expires
//   (cursor_expired → the client refetches the list). Other users keep theirs.
// - tombstones is recounted, as some of them may have been dropped.
constexpr const char* kSchemaV1ToV2 = R"sql(
CREATE TABLE meta(
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES('epoch', lower(hex(randomblob(16))));
ALTER TABLE user_state ADD COLUMN live_scans INTEGER NOT NULL DEFAULT 0;
CREATE TEMP TABLE v2_case_clash AS
  SELECT user, id FROM (
    SELECT user, id,
           row_number() OVER (PARTITION BY user, lower(id) ORDER BY change_seq DESC) AS newest
    FROM scans)
  WHERE newest > 1;
DELETE FROM scans WHERE (id, user) IN (SELECT id, user FROM v2_case_clash);
UPDATE scans SET id = lower(id) WHERE id <> lower(id);
UPDATE user_state SET last_seq = last_seq + 1, oldest_kept_seq = last_seq + 1
  WHERE user IN (SELECT user FROM v2_case_clash);
DROP TABLE temp.v2_case_clash;
UPDATE user_state SET
  live_scans = (SELECT count(*) FROM scans WHERE scans.user = user_state.user AND deleted_seq IS NULL),
  tombstones = (SELECT count(*) FROM scans WHERE scans.user = user_state.user AND deleted_seq IS NOT NULL);
)sql";

// From an empty file to the current schema: step i takes a file at version
// i to version i + 1. A new version is one more entry (and kCurrentSchemaVersion).
constexpr const char* kMigrations[] = {kSchemaV1, kSchemaV1ToV2};
static_assert(std::size(kMigrations) == kCurrentSchemaVersion);

std::error_code migrate(Database& db) {
  Transaction tx(db);
  if (tx.begin_error()) return tx.begin_error();
  // Read again under the write lock: another process may have migrated since.
  const auto version = db.query_int("PRAGMA user_version");
  if (!version) return errc::not_a_database;
  if (*version == kCurrentSchemaVersion) return {};
  if (*version == 0) {
    const std::string set_app_id = "PRAGMA application_id=" + std::to_string(kApplicationId);
    if (auto ec = db.exec(set_app_id.c_str()); ec) return ec;
  }
  for (auto v = *version; v < kCurrentSchemaVersion; ++v) {
    if (auto ec = db.exec(kMigrations[v]); ec) return ec;
  }
  const std::string set_version = "PRAGMA user_version=" + std::to_string(kCurrentSchemaVersion);
  if (auto ec = db.exec(set_version.c_str()); ec) return ec;
  return tx.commit();
}

}  // namespace

std::error_code prepare_schema(Database& db) {
  // The first statement that reads the file: a non-SQLite file fails here.
  auto mode = db.prepare("PRAGMA journal_mode=WAL");
  if (!mode.ok()) return mode.error();
  if (!mode->step()) return mode->error() ? mode->error() : std::error_code(errc::sql_error);
  if (mode->column_text(0) != "wal") return errc::open_failed;  // e.g. a :memory: or read-only file
  mode->reset();

  auto version = db.query_int("PRAGMA user_version");
  auto app_id = db.query_int("PRAGMA application_id");
  auto objects = db.query_int("SELECT count(*) FROM sqlite_master");
  if (!version || !app_id || !objects) return errc::not_a_database;

  // Version 0 and not empty: someone else's (or a half-made) database; refuse
  // rather than mix schemas.
  if (*version == 0 && (*objects != 0 || *app_id != 0)) return errc::not_a_database;
  if (*version != 0 && *app_id != kApplicationId) return errc::not_a_database;
  if (*version > kCurrentSchemaVersion) return errc::schema_too_new;
  if (*version == kCurrentSchemaVersion) return {};
  return migrate(db);
}

Result<std::string> read_epoch(Database& db) {
  auto st = db.prepare("SELECT value FROM meta WHERE key = 'epoch'");
  if (!st.ok()) return st.error();
  if (!st->step()) return st->error() ? st->error() : std::error_code(errc::not_a_database);
  return st->column_text(0);
}

}  // namespace scansync::store
