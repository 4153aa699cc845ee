// Schema versions: a version 1 file (as the previous release wrote it) opens
// and is migrated to version 2 in one transaction.
#include "store/schema.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "store/scan_store.h"
#include "test_support/temp_dir.h"

namespace scansync::store {
namespace {

// The version 1 schema exactly as release 1 created it (frozen here on
// purpose: the test must not follow later edits of schema.cc).
constexpr const char* kV1Schema = R"sql(
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
PRAGMA application_id=1399017059;
PRAGMA user_version=1;
)sql";

// alice: "ABC" (seq 1) and "abc" (seq 2, deleted at 3) clash once lower-cased;
// "MiXeD" (4) does not. bob: "XYZ" (1).
constexpr const char* kV1Rows = R"sql(
INSERT INTO user_state VALUES('alice', 4, 0, 1), ('bob', 1, 0, 0);
INSERT INTO scans VALUES
  ('alice', 'ABC',   'c1', 'qr', 'd', '2026-01-01T00:00:00.000Z', 1, NULL, NULL, 1),
  ('alice', 'abc',   'c2', 'qr', 'd', '2026-01-01T00:00:00.000Z', 2, 3, 1000, 3),
  ('alice', 'MiXeD', 'c3', 'qr', 'd', '2026-01-01T00:00:00.000Z', 4, NULL, NULL, 4),
  ('bob',   'XYZ',   'c4', 'qr', 'd', '2026-01-01T00:00:00.000Z', 1, NULL, NULL, 1);
)sql";

class SchemaTest : public ::testing::Test {
 protected:
  void write_v1(const char* extra_sql = "") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), SQLITE_OK);
    for (const char* sql : {kV1Schema, kV1Rows, extra_sql}) {
      ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    }
    sqlite3_close(db);
  }
  std::int64_t query_int(const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }
  std::unique_ptr<ScanStore> open(StoreOptions o = {}) {
    auto s = ScanStore::open(file_, o);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  test_support::TempDir dir_{"scansync-schema"};
  std::string file_ = (dir_ / "gateway.db").string();
};

NewScan scan(std::string id) { return NewScan{std::move(id), "code", "qr", "dev", "2026-01-01T00:00:00.000Z"}; }

TEST_F(SchemaTest, AVersion1FileIsMigratedToVersion2) {
  write_v1();
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(query_int("PRAGMA user_version"), 2);
  EXPECT_EQ(s->epoch().size(), 32u);

  // bob: ids lower-cased, history intact.
  auto bob = s->changes_since("bob", 0, 10);
  ASSERT_TRUE(bob.ok());
  ASSERT_EQ(bob->changes.size(), 1u);
  EXPECT_EQ(bob->changes[0].id, "xyz");
  EXPECT_EQ(bob->changes[0].code, "c4");
  EXPECT_EQ(s->create("bob", scan("xyz"))->outcome, CreateOutcome::existing);

  // alice: of the clashing pair the newest state (the tombstone at 3) stays;
  // her cursors expire, one seq past her old history.
  EXPECT_EQ(s->changes_since("alice", 4, 10).error(), errc::cursor_expired);
  auto alice = s->changes_since("alice", 5, 10);
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->latest_seq, 5);
  EXPECT_TRUE(alice->changes.empty());
  auto list = s->live_page("alice", std::nullopt, 10);
  ASSERT_EQ(list->scans.size(), 1u);
  EXPECT_EQ(list->scans[0].id, "mixed");
  auto abc = s->create("alice", scan("abc"));
  EXPECT_EQ(abc->outcome, CreateOutcome::existing);
  EXPECT_TRUE(abc->scan.deleted());
  EXPECT_EQ(query_int("SELECT tombstones FROM user_state WHERE user = 'alice'"), 1);
  EXPECT_EQ(s->create("alice", scan("new"))->scan.seq, 6);
}

TEST_F(SchemaTest, MigrationCountsLiveScansForTheQuota) {
  write_v1();
  auto s = open(StoreOptions{.max_live_scans_per_user = 2});
  EXPECT_EQ(query_int("SELECT live_scans FROM user_state WHERE user = 'alice'"), 1);
  EXPECT_EQ(query_int("SELECT live_scans FROM user_state WHERE user = 'bob'"), 1);
  EXPECT_EQ(s->create("bob", scan("b2"))->outcome, CreateOutcome::created);
  EXPECT_EQ(s->create("bob", scan("b3"))->outcome, CreateOutcome::quota_exceeded);
}

TEST_F(SchemaTest, TheEpochChosenByTheMigrationIsKept) {
  write_v1();
  const std::string epoch = open()->epoch();
  EXPECT_EQ(open()->epoch(), epoch);
}

TEST_F(SchemaTest, AFailedMigrationLeavesTheFileAtVersion1) {
  // A step that cannot run (the table v2 creates is already there): nothing
  // of the migration may stay behind.
  write_v1("CREATE TABLE meta(x);");
  auto s = ScanStore::open(file_, {});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(query_int("PRAGMA user_version"), 1);
  EXPECT_EQ(query_int("SELECT count(*) FROM pragma_table_info('user_state') WHERE name = 'live_scans'"), 0);
  EXPECT_EQ(query_int("SELECT count(*) FROM scans WHERE id = 'ABC'"), 1);
}

TEST_F(SchemaTest, ANewFileIsCreatedAtTheCurrentVersion) {
  { open(); }
  EXPECT_EQ(query_int("PRAGMA user_version"), kCurrentSchemaVersion);
  EXPECT_EQ(query_int("PRAGMA application_id"), kApplicationId);
  EXPECT_EQ(query_int("SELECT count(*) FROM meta WHERE key = 'epoch'"), 1);
}

}  // namespace
}  // namespace scansync::store
