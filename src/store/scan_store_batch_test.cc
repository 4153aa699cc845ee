// ScanStore batches (group commit), lock errors and the durability setting.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/scan_store.h"
#include "store/sqlite.h"
#include "test_support/temp_dir.h"

namespace scansync::store {
namespace {

NewScan scan(std::string id, std::string code = "4006381333931") {
  return NewScan{std::move(id), std::move(code), "ean13", "dev-1", "2026-11-26T04:46:28.123Z"};
}

// A second connection to the file, as another process would hold it.
class OtherConnection {
 public:
  explicit OtherConnection(const std::string& file) { EXPECT_EQ(sqlite3_open(file.c_str(), &db_), SQLITE_OK); }
  ~OtherConnection() { sqlite3_close(db_); }
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
  std::int64_t query_int(const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

class ScanStoreBatchTest : public ::testing::Test {
 protected:
  std::unique_ptr<ScanStore> open(StoreOptions o = {}) {
    auto s = ScanStore::open(file_, o);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static std::int64_t latest(ScanStore& s, std::string_view user) {
    return s.live_page(user, std::nullopt, 1)->latest_seq;
  }
  // Fails inserts of the code "boom" (the statement only; the transaction goes on).
  void add_failing_trigger(const char* action = "ABORT") {
    { open(); }
    OtherConnection other(file_);
    const std::string sql = std::string("CREATE TRIGGER boom BEFORE INSERT ON scans WHEN NEW.code = 'boom' "
                                        "BEGIN SELECT RAISE(") + action + ", 'boom'); END";
    ASSERT_EQ(other.exec(sql.c_str()), SQLITE_OK);
  }

  test_support::TempDir dir_{"scansync-batch"};
  std::string file_ = (dir_ / "gateway.db").string();
};

TEST_F(ScanStoreBatchTest, ABatchCommitsAllItsWritesTogether) {
  auto s = open();
  OtherConnection other(file_);
  s->begin_batch();
  EXPECT_TRUE(s->in_batch());
  for (int i = 0; i < 50; ++i) {
    auto r = s->create("alice", scan("id" + std::to_string(i)));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->scan.seq, i + 1);
  }
  ASSERT_EQ(s->remove("alice", "id0", 1000)->outcome, DeleteOutcome::deleted);
  // Reads through the store see the batch; other connections do not yet.
  EXPECT_EQ(s->changes_since("alice", 0, 100)->changes.size(), 50u);
  EXPECT_EQ(s->live_page("alice", std::nullopt, 100)->scans.size(), 49u);
  EXPECT_EQ(other.query_int("SELECT count(*) FROM scans"), 0);

  EXPECT_FALSE(s->commit_batch());
  EXPECT_FALSE(s->in_batch());
  EXPECT_EQ(other.query_int("SELECT count(*) FROM scans"), 50);
  // Back to one transaction per write.
  EXPECT_EQ(s->create("alice", scan("after"))->scan.seq, 52);
  EXPECT_EQ(other.query_int("SELECT count(*) FROM scans"), 51);
  s.reset();
  EXPECT_EQ(latest(*open(), "alice"), 52);
}

TEST_F(ScanStoreBatchTest, AnEmptyBatchCommitsNothingAndCommitOutsideABatchIsANoOp) {
  auto s = open();
  EXPECT_FALSE(s->commit_batch());
  s->begin_batch();
  EXPECT_TRUE(s->changes_since("alice", 0, 10).ok());  // a read alone takes no write lock
  OtherConnection other(file_);
  EXPECT_EQ(other.exec("BEGIN IMMEDIATE; COMMIT"), SQLITE_OK);
  EXPECT_FALSE(s->commit_batch());
}

TEST_F(ScanStoreBatchTest, AWriteThatFailsInABatchUndoesOnlyItself) {
  add_failing_trigger();
  auto s = open(StoreOptions{.max_live_scans_per_user = 3});
  s->begin_batch();
  EXPECT_EQ(s->create("alice", scan("a"))->scan.seq, 1);
  auto failed = s->create("alice", scan("b", "boom"));
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(s->create("alice", scan("c"))->scan.seq, 2);  // the failed write's seq was not kept
  EXPECT_EQ(s->create("alice", scan("d"))->scan.seq, 3);
  // The quota counts the batch's own writes.
  EXPECT_EQ(s->create("alice", scan("e"))->outcome, CreateOutcome::quota_exceeded);
  EXPECT_FALSE(s->commit_batch());
  s.reset();
  auto reopened = open();
  auto page = reopened->live_page("alice", std::nullopt, 10);
  ASSERT_EQ(page->scans.size(), 3u);
  EXPECT_EQ(page->scans[0].id, "d");
  EXPECT_EQ(page->scans[2].id, "a");
  EXPECT_EQ(page->latest_seq, 3);
}

TEST_F(ScanStoreBatchTest, ABatchSQLiteRolledBackFailsWholeAndTakesNoSeq) {
  add_failing_trigger("ROLLBACK");  // SQLite ends the whole transaction
  auto s = open();
  ASSERT_EQ(s->create("alice", scan("before"))->scan.seq, 1);
  s->begin_batch();
  EXPECT_EQ(s->create("alice", scan("a"))->scan.seq, 2);
  EXPECT_FALSE(s->create("alice", scan("b", "boom")).ok());
  // The batch is lost: later writes of it fail too, and so does the commit.
  EXPECT_FALSE(s->create("alice", scan("c")).ok());
  EXPECT_TRUE(s->commit_batch());
  EXPECT_FALSE(s->in_batch());
  EXPECT_EQ(latest(*s, "alice"), 1);
  EXPECT_EQ(s->create("alice", scan("a"))->outcome, CreateOutcome::created);
  EXPECT_EQ(latest(*s, "alice"), 2);
}

TEST_F(ScanStoreBatchTest, AnAbandonedBatchLeavesNothing) {
  {
    auto s = open();
    ASSERT_EQ(s->create("alice", scan("kept"))->scan.seq, 1);
    s->begin_batch();
    for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(s->create("alice", scan(id)).ok());
    ASSERT_TRUE(s->remove("alice", "kept", 5).ok());
  }  // destroyed without commit_batch()
  auto s = open();
  auto page = s->live_page("alice", std::nullopt, 10);
  ASSERT_EQ(page->scans.size(), 1u);
  EXPECT_EQ(page->scans[0].id, "kept");
  EXPECT_EQ(page->latest_seq, 1);
  EXPECT_EQ(s->create("alice", scan("a"))->scan.seq, 2);
}

TEST_F(ScanStoreBatchTest, ACommitThatFailsLeavesNothing) {
  // The child's COMMIT cannot write the WAL (RLIMIT_FSIZE: the file may not
  // grow): commit_batch() must report it and leave the file as before the
  // batch. Exit codes name the expectation that failed.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG
    auto s = ScanStore::open(file_, StoreOptions{.background_checkpoint = false});
    if (!s.ok()) ::_exit(3);
    if (!(*s)->create("alice", scan("before")).ok()) ::_exit(4);
    (*s)->begin_batch();
    for (int i = 0; i < 20; ++i) {
      if (!(*s)->create("alice", scan("big" + std::to_string(i), std::string(4000, 'x'))).ok()) ::_exit(5);
    }
    namespace fs = std::filesystem;
    const auto size = std::max(fs::file_size(file_), fs::file_size(file_ + "-wal"));
    rlimit limit{static_cast<rlim_t>(size) + 4096, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(6);
    const auto ec = (*s)->commit_batch();
    limit.rlim_cur = RLIM_INFINITY;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    if (!ec) ::_exit(7);
    if ((*s)->in_batch()) ::_exit(8);
    auto r = (*s)->create("alice", scan("after"));
    if (!r.ok() || r->scan.seq != 2) ::_exit(9);  // the batch's seqs were not consumed
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto s = open();
  auto page = s->live_page("alice", std::nullopt, 100);
  ASSERT_EQ(page->scans.size(), 2u);
  EXPECT_EQ(page->scans[0].id, "after");
  EXPECT_EQ(page->scans[1].id, "before");
  EXPECT_EQ(page->latest_seq, 2);
}

TEST_F(ScanStoreBatchTest, ALockedDatabaseFailsAtOnceWithBusyThenWorks) {
  auto s = open();
  ASSERT_TRUE(s->create("alice", scan("a")).ok());
  OtherConnection other(file_);
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  auto r = s->create("alice", scan("b"));  // returns: no wait for the other side
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), errc::busy);
  EXPECT_EQ(s->remove("alice", "a", 1).error(), errc::busy);
  EXPECT_TRUE(s->changes_since("alice", 0, 10).ok());  // WAL readers are not blocked
  // In a batch the first write's BEGIN fails the same way; the next one retries.
  s->begin_batch();
  EXPECT_EQ(s->create("alice", scan("b")).error(), errc::busy);
  ASSERT_EQ(other.exec("COMMIT"), SQLITE_OK);
  EXPECT_EQ(s->create("alice", scan("b"))->scan.seq, 2);
  EXPECT_FALSE(s->commit_batch());
  EXPECT_EQ(s->create("alice", scan("c"))->scan.seq, 3);
}

TEST_F(ScanStoreBatchTest, TheWriteProbeWritesMetaOnlyAndFailsLikeAWrite) {
  auto s = open();
  EXPECT_FALSE(s->probe_write(1234));
  EXPECT_FALSE(s->probe_write(5678));  // an upsert: the row is replaced
  {
    OtherConnection other(file_);
    EXPECT_EQ(other.query_int("SELECT value FROM meta WHERE key = 'write_probe'"), 5678);
    EXPECT_EQ(other.query_int("SELECT count(*) FROM meta"), 2);  // the epoch and the probe
    EXPECT_EQ(other.query_int("SELECT count(*) FROM scans"), 0);
    ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
    EXPECT_EQ(s->probe_write(1), errc::busy);
    ASSERT_EQ(other.exec("COMMIT"), SQLITE_OK);
  }
  // In a batch it commits with the batch's writes, not before.
  s->begin_batch();
  ASSERT_TRUE(s->create("alice", scan("a")).ok());
  EXPECT_FALSE(s->probe_write(9));
  OtherConnection other(file_);
  EXPECT_EQ(other.query_int("SELECT value FROM meta WHERE key = 'write_probe'"), 5678);
  EXPECT_FALSE(s->commit_batch());
  EXPECT_EQ(other.query_int("SELECT value FROM meta WHERE key = 'write_probe'"), 9);
  EXPECT_EQ(latest(*s, "alice"), 1);
}

TEST(Durability, MapsToSynchronous) {
  test_support::TempDir dir{"scansync-durability"};
  auto db = open_database((dir / "d.db").string(), 0);
  ASSERT_TRUE(db.ok());
  ASSERT_FALSE(set_durability(*db, Durability::full));
  EXPECT_EQ(*db->query_int("PRAGMA synchronous"), 2);  // FULL
  ASSERT_FALSE(set_durability(*db, Durability::normal));
  EXPECT_EQ(*db->query_int("PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(StoreOptions{}.durability, Durability::full);
}

}  // namespace
}  // namespace scansync::store
