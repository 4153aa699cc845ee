#include "store/scan_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <random>

#include "test_support/temp_dir.h"

namespace scansync::store {
namespace {

namespace fs = std::filesystem;

NewScan scan(std::string id, std::string code = "4006381333931") {
  return NewScan{std::move(id), std::move(code), "ean13", "dev-1", "2026-11-26T04:46:28.123Z"};
}

class ScanStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<ScanStore> open(StoreOptions o = {}) {
    auto s = ScanStore::open(file_, o);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static std::int64_t create_seq(ScanStore& s, std::string_view user, std::string id) {
    auto r = s.create(user, scan(std::move(id)));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->outcome, CreateOutcome::created);
    return r->scan.seq;
  }
  static LivePage live(ScanStore& s, std::string_view user) {
    auto page = s.live_page(user, std::nullopt, 1000);
    EXPECT_TRUE(page.ok());
    return page.ok() ? std::move(*page) : LivePage{};
  }
  static std::int64_t delete_seq(ScanStore& s, std::string_view user, std::string_view id, std::int64_t now = 1000) {
    auto r = s.remove(user, id, now);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->outcome, DeleteOutcome::deleted);
    return r->scan.deleted_seq.value_or(-1);
  }

  test_support::TempDir dir_{"scansync-store"};
  fs::path file_ = dir_ / "gateway.db";
};

TEST_F(ScanStoreTest, CreateReturnsTheStoredScan) {
  auto s = open();
  auto r = s->create("alice", NewScan{"id-1", "hello", "qr", "phone", "2026-01-01T00:00:00.000Z"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, CreateOutcome::created);
  EXPECT_EQ(r->scan.user, "alice");
  EXPECT_EQ(r->scan.id, "id-1");
  EXPECT_EQ(r->scan.code, "hello");
  EXPECT_EQ(r->scan.format, "qr");
  EXPECT_EQ(r->scan.device_id, "phone");
  EXPECT_EQ(r->scan.created_at, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(r->scan.seq, 1);
  EXPECT_FALSE(r->scan.deleted());
}

TEST_F(ScanStoreTest, SameIdAgainReturnsTheStoredScanWithoutANewSeq) {
  auto s = open();
  ASSERT_EQ(create_seq(*s, "alice", "a"), 1);
  auto again = s->create("alice", scan("a", "different code"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, CreateOutcome::existing);
  EXPECT_EQ(again->scan.seq, 1);
  EXPECT_EQ(again->scan.code, "4006381333931");  // the stored one wins
  EXPECT_EQ(create_seq(*s, "alice", "b"), 2);    // no seq was consumed
  EXPECT_EQ(live(*s, "alice").latest_seq, 2);
}

TEST_F(ScanStoreTest, SeqIsGaplessOverCreatesAndDeletes) {
  auto s = open();
  std::int64_t expected = 1;
  EXPECT_EQ(create_seq(*s, "alice", "a"), expected++);
  EXPECT_EQ(create_seq(*s, "alice", "b"), expected++);
  EXPECT_EQ(delete_seq(*s, "alice", "a"), expected++);
  EXPECT_EQ(create_seq(*s, "alice", "c"), expected++);
  EXPECT_EQ(delete_seq(*s, "alice", "c"), expected++);
  // Failed or repeated operations take no seq.
  EXPECT_EQ(s->remove("alice", "a", 5)->outcome, DeleteOutcome::already_deleted);
  EXPECT_EQ(s->remove("alice", "zzz", 5)->outcome, DeleteOutcome::not_found);
  EXPECT_EQ(s->create("alice", scan("b"))->outcome, CreateOutcome::existing);
  EXPECT_EQ(create_seq(*s, "alice", "d"), expected++);
  EXPECT_EQ(live(*s, "alice").latest_seq, expected - 1);
}

TEST_F(ScanStoreTest, DeleteTwiceReturnsTheSameSeqAndTime) {
  auto s = open();
  create_seq(*s, "alice", "a");
  auto first = s->remove("alice", "a", 111);
  auto second = s->remove("alice", "a", 222);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->outcome, DeleteOutcome::deleted);
  EXPECT_EQ(second->outcome, DeleteOutcome::already_deleted);
  EXPECT_EQ(first->scan.deleted_seq, 2);
  EXPECT_EQ(second->scan.deleted_seq, 2);
  EXPECT_EQ(second->scan.deleted_at_ms, 111);
}

TEST_F(ScanStoreTest, CreatingADeletedIdReturnsTheTombstone) {
  auto s = open();
  create_seq(*s, "alice", "a");
  delete_seq(*s, "alice", "a");
  auto r = s->create("alice", scan("a"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->outcome, CreateOutcome::existing);
  EXPECT_TRUE(r->scan.deleted());
  EXPECT_EQ(r->scan.seq, 1);
  EXPECT_EQ(r->scan.deleted_seq, 2);
}

TEST_F(ScanStoreTest, ChangesAreInSeqOrderWithCreationsSupersededByDeletion) {
  auto s = open();
  create_seq(*s, "alice", "a");  // 1 (superseded by 4)
  create_seq(*s, "alice", "b");  // 2
  create_seq(*s, "alice", "c");  // 3
  delete_seq(*s, "alice", "a");  // 4
  auto page = s->changes_since("alice", 0, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->changes.size(), 3u);
  EXPECT_EQ(page->changes[0].id, "b");
  EXPECT_EQ(page->changes[0].change_seq(), 2);
  EXPECT_EQ(page->changes[1].id, "c");
  EXPECT_EQ(page->changes[2].id, "a");
  EXPECT_TRUE(page->changes[2].deleted());
  EXPECT_EQ(page->changes[2].change_seq(), 4);
  EXPECT_EQ(page->latest_seq, 4);
  EXPECT_FALSE(page->has_more);

  auto tail = s->changes_since("alice", 3, 100);
  ASSERT_EQ(tail->changes.size(), 1u);
  EXPECT_EQ(tail->changes[0].id, "a");
  EXPECT_TRUE(s->changes_since("alice", 4, 100)->changes.empty());
}

TEST_F(ScanStoreTest, PagingWithLimitAndHasMore) {
  auto s = open();
  for (int i = 0; i < 5; ++i) create_seq(*s, "alice", "id" + std::to_string(i));
  std::int64_t cursor = 0;
  std::vector<std::int64_t> seen;
  for (int round = 0; round < 10; ++round) {
    auto page = s->changes_since("alice", cursor, 2);
    ASSERT_TRUE(page.ok());
    for (const auto& c : page->changes) seen.push_back(c.change_seq());
    if (!page->has_more) break;
    EXPECT_EQ(page->changes.size(), 2u);
    cursor = page->changes.back().change_seq();
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  // Exactly `limit` left: has_more is false.
  EXPECT_FALSE(s->changes_since("alice", 3, 2)->has_more);
  EXPECT_TRUE(s->changes_since("alice", 2, 2)->has_more);
}

TEST_F(ScanStoreTest, UsersAreIsolated) {
  auto s = open();
  EXPECT_EQ(create_seq(*s, "alice", "a1"), 1);
  EXPECT_EQ(create_seq(*s, "bob", "b1"), 1);
  EXPECT_EQ(create_seq(*s, "alice", "a2"), 2);
  EXPECT_EQ(s->remove("bob", "a1", 1)->outcome, DeleteOutcome::not_found);
  EXPECT_EQ(s->changes_since("bob", 0, 100)->changes.size(), 1u);
  EXPECT_EQ(s->changes_since("alice", 0, 100)->changes.size(), 2u);
  EXPECT_EQ(live(*s, "bob").scans.size(), 1u);
  EXPECT_EQ(live(*s, "bob").latest_seq, 1);
  EXPECT_EQ(live(*s, "carol").latest_seq, 0);
  EXPECT_TRUE(live(*s, "carol").scans.empty());
  EXPECT_TRUE(s->changes_since("carol", 0, 10)->changes.empty());
}

TEST_F(ScanStoreTest, AnIdIsScopedToItsUser) {
  auto s = open();
  EXPECT_EQ(create_seq(*s, "alice", "shared"), 1);
  EXPECT_EQ(create_seq(*s, "bob", "shared"), 1);  // bob's own scan, not alice's
  EXPECT_EQ(delete_seq(*s, "bob", "shared"), 2);
  auto alices = s->create("alice", scan("shared"));
  ASSERT_TRUE(alices.ok());
  EXPECT_EQ(alices->outcome, CreateOutcome::existing);
  EXPECT_FALSE(alices->scan.deleted());
  EXPECT_EQ(live(*s, "alice").scans.size(), 1u);
  EXPECT_TRUE(live(*s, "bob").scans.empty());
}

TEST_F(ScanStoreTest, LiveScansNewestFirstWithoutTombstones) {
  auto s = open();
  create_seq(*s, "alice", "a");
  create_seq(*s, "alice", "b");
  create_seq(*s, "alice", "c");
  delete_seq(*s, "alice", "b");
  auto page = live(*s, "alice");
  ASSERT_EQ(page.scans.size(), 2u);
  EXPECT_EQ(page.scans[0].id, "c");
  EXPECT_EQ(page.scans[1].id, "a");
  EXPECT_EQ(page.latest_seq, 4);
  EXPECT_FALSE(page.next_before);
}

TEST_F(ScanStoreTest, LivePagesFollowTheCursorNewestFirst) {
  auto s = open();
  for (int i = 0; i < 7; ++i) create_seq(*s, "alice", "id" + std::to_string(i));  // seqs 1..7
  delete_seq(*s, "alice", "id5");                                                  // 8: seq 6 gone
  std::vector<std::int64_t> seen;
  std::optional<std::int64_t> before;
  for (int round = 0; round < 10; ++round) {
    auto page = s->live_page("alice", before, 2);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->latest_seq, 8);
    for (const auto& scan : page->scans) seen.push_back(scan.seq);
    if (!page->next_before) break;
    EXPECT_EQ(page->scans.size(), 2u);
    EXPECT_EQ(*page->next_before, page->scans.back().seq);
    before = page->next_before;
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{7, 5, 4, 3, 2, 1}));
  // Exactly `limit` left: no next page.
  EXPECT_FALSE(s->live_page("alice", 3, 2)->next_before);
  EXPECT_TRUE(s->live_page("alice", 4, 2)->next_before);
  EXPECT_TRUE(s->live_page("alice", 1, 2)->scans.empty());
}

TEST_F(ScanStoreTest, PagesStopAtTheByteBoundButHoldAtLeastOneRow) {
  auto s = open();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(s->create("alice", scan("id" + std::to_string(i), std::string(1000, 'x')))->outcome,
              CreateOutcome::created);
  }
  const std::size_t row = wire_size(live(*s, "alice").scans.at(0));
  ASSERT_GT(row, 1000u);
  auto feed = s->changes_since("alice", 0, 100, 3 * row);
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->changes.size(), 3u);
  EXPECT_TRUE(feed->has_more);
  auto list = s->live_page("alice", std::nullopt, 100, 3 * row + row / 2);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->scans.size(), 3u);
  EXPECT_EQ(list->next_before, 8);
  // A bound below one row still lists one.
  EXPECT_EQ(s->changes_since("alice", 0, 100, 1)->changes.size(), 1u);
  EXPECT_EQ(s->live_page("alice", std::nullopt, 100, 1)->scans.size(), 1u);
  // Exactly the rows left, by bytes: the last page says no more.
  auto tail = s->changes_since("alice", 7, 100, 3 * row);
  EXPECT_EQ(tail->changes.size(), 3u);
  EXPECT_FALSE(tail->has_more);
}

TEST_F(ScanStoreTest, QuotaCountsLiveScansAndDeletesFreeIt) {
  auto s = open(StoreOptions{.max_live_scans_per_user = 2});
  create_seq(*s, "alice", "a");  // 1
  create_seq(*s, "alice", "b");  // 2
  auto over = s->create("alice", scan("c"));
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->outcome, CreateOutcome::quota_exceeded);
  EXPECT_EQ(live(*s, "alice").latest_seq, 2);  // no seq consumed
  // An id alice holds is still answered, and bob has a quota of his own.
  EXPECT_EQ(s->create("alice", scan("a"))->outcome, CreateOutcome::existing);
  EXPECT_EQ(create_seq(*s, "bob", "c"), 1);
  delete_seq(*s, "alice", "a");                  // 3
  EXPECT_EQ(create_seq(*s, "alice", "c"), 4);
  EXPECT_EQ(s->create("alice", scan("d"))->outcome, CreateOutcome::quota_exceeded);
  // The count is kept in the file.
  s.reset();
  s = open(StoreOptions{.max_live_scans_per_user = 3});
  EXPECT_EQ(create_seq(*s, "alice", "d"), 5);
  EXPECT_EQ(s->create("alice", scan("e"))->outcome, CreateOutcome::quota_exceeded);
}

TEST_F(ScanStoreTest, EpochIsRandomHexAndKeptAcrossReopen) {
  std::string first;
  {
    auto s = open();
    first = s->epoch();
    EXPECT_EQ(s->changes_since("alice", 0, 10)->epoch, first);
    EXPECT_EQ(live(*s, "alice").epoch, first);
  }
  ASSERT_EQ(first.size(), 32u);
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(open()->epoch(), first);
  // Another database is another history.
  auto other = ScanStore::open(dir_ / "other.db", {});
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*other)->epoch(), first);
}

TEST_F(ScanStoreTest, ReopenedFileStillHasEverything) {
  {
    auto s = open();
    create_seq(*s, "alice", "a");
    create_seq(*s, "alice", "b");
    delete_seq(*s, "alice", "a", 777);
    create_seq(*s, "bob", "x");
  }
  auto s = open();
  auto page = s->changes_since("alice", 0, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->changes.size(), 2u);
  EXPECT_EQ(page->changes[1].deleted_at_ms, 777);
  EXPECT_EQ(create_seq(*s, "alice", "c"), 4);
  EXPECT_EQ(create_seq(*s, "bob", "y"), 2);
}

TEST_F(ScanStoreTest, CommittedCreateSurvivesSigkill) {
  // The child commits and is killed without closing anything (no destructor,
  // no checkpoint): what create() returned must be in the file.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto s = ScanStore::open(file_, {});
    if (!s.ok()) ::_exit(3);
    auto r = (*s)->create("alice", scan("survivor"));
    if (!r.ok() || r->outcome != CreateOutcome::created) ::_exit(4);
    ::raise(SIGKILL);
    ::_exit(5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exit " << WEXITSTATUS(status);
  auto s = open();
  auto page = live(*s, "alice");
  ASSERT_EQ(page.scans.size(), 1u);
  EXPECT_EQ(page.scans[0].id, "survivor");
}

TEST_F(ScanStoreTest, TextRoundTripsByteForByte) {
  auto s = open();
  const std::string code = std::string("GS1\x1d" "01\0after NUL ", 17) + "\xF0\x9F\x93\xA6 ünïcödé";
  auto r = s->create("alice", scan("t", code));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(live(*s, "alice").scans.at(0).code, code);
}

TEST_F(ScanStoreTest, TombstonesBeyondTheLimitArePrunedAndOldCursorsExpire) {
  auto s = open(StoreOptions{.tombstone_limit = 2});
  for (const char* id : {"a", "b", "c", "d"}) create_seq(*s, "alice", id);  // 1..4
  delete_seq(*s, "alice", "a");                                             // 5
  delete_seq(*s, "alice", "b");                                             // 6
  EXPECT_TRUE(s->changes_since("alice", 0, 100).ok());                       // nothing pruned yet
  delete_seq(*s, "alice", "c");                                             // 7: prunes "a" (5)

  EXPECT_EQ(s->changes_since("alice", 0, 100).error(), errc::cursor_expired);
  EXPECT_EQ(s->changes_since("alice", 4, 100).error(), errc::cursor_expired);
  auto page = s->changes_since("alice", 5, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->changes.size(), 2u);  // b (6), c (7)
  EXPECT_EQ(page->changes[0].id, "b");
  // A pruned id is unknown again.
  EXPECT_EQ(s->remove("alice", "a", 1)->outcome, DeleteOutcome::not_found);
  // Other users are unaffected.
  create_seq(*s, "bob", "x");
  EXPECT_TRUE(s->changes_since("bob", 0, 100).ok());
}

TEST_F(ScanStoreTest, ZeroTombstoneLimitPrunesAtOnce) {
  auto s = open(StoreOptions{.tombstone_limit = 0});
  create_seq(*s, "alice", "a");
  EXPECT_EQ(delete_seq(*s, "alice", "a"), 2);
  EXPECT_EQ(s->changes_since("alice", 1, 10).error(), errc::cursor_expired);
  auto page = s->changes_since("alice", 2, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->changes.empty());
}

TEST_F(ScanStoreTest, LoweredLimitOnReopenPrunesOnTheNextDelete) {
  {
    auto s = open();
    for (const char* id : {"a", "b", "c", "d"}) create_seq(*s, "alice", id);
    for (const char* id : {"a", "b", "c"}) delete_seq(*s, "alice", id);  // 5,6,7
  }
  auto s = open(StoreOptions{.tombstone_limit = 1});
  EXPECT_TRUE(s->changes_since("alice", 0, 100).ok());
  delete_seq(*s, "alice", "d");  // 8: keeps only d
  EXPECT_EQ(s->changes_since("alice", 6, 100).error(), errc::cursor_expired);
  auto page = s->changes_since("alice", 7, 100);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->changes.size(), 1u);
  EXPECT_EQ(page->changes[0].id, "d");
}

TEST_F(ScanStoreTest, CursorAheadOfTheUserIsExpired) {
  auto s = open();
  create_seq(*s, "alice", "a");
  EXPECT_EQ(s->changes_since("alice", 2, 10).error(), errc::cursor_expired);
  EXPECT_EQ(s->changes_since("nobody", 1, 10).error(), errc::cursor_expired);
  EXPECT_TRUE(s->changes_since("alice", 1, 10).ok());
}

TEST_F(ScanStoreTest, GarbageFileIsNotADatabase) {
  {
    std::ofstream out(file_, std::ios::binary);
    std::mt19937 rng(42);
    for (int i = 0; i < 8192; ++i) out.put(static_cast<char>(rng()));
  }
  auto s = ScanStore::open(file_, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), errc::not_a_database);
}

TEST_F(ScanStoreTest, ShortTextFileIsNotADatabase) {
  std::ofstream(file_) << "this is not a database\n";
  auto s = ScanStore::open(file_, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), errc::not_a_database);
}

TEST_F(ScanStoreTest, TruncatedDatabaseIsRefused) {
  { auto s = open(); create_seq(*s, "alice", "a"); }
  // Keep the valid header page only: the schema pages are gone.
  fs::resize_file(file_, 100);
  fs::remove(dir_ / "gateway.db-wal");
  fs::remove(dir_ / "gateway.db-shm");
  auto s = ScanStore::open(file_, {});
  EXPECT_FALSE(s.ok());
}

TEST_F(ScanStoreTest, AnotherApplicationsDatabaseIsRefused) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE notes(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(ScanStore::open(file_, {}).error(), errc::not_a_database);
}

TEST_F(ScanStoreTest, NewerSchemaIsRefused) {
  { open(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(ScanStore::open(file_, {}).error(), errc::schema_too_new);
}

TEST_F(ScanStoreTest, UnopenablePathIsAnError) {
  EXPECT_EQ(ScanStore::open(dir_.path(), {}).error(), errc::open_failed);                       // a directory
  EXPECT_EQ(ScanStore::open(dir_ / "missing" / "x.db", {}).error(), errc::open_failed);  // no parent
}

TEST_F(ScanStoreTest, SchemaVersionIsRecorded) {
  { open(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), ScanStore::kSchemaVersion);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace scansync::store
