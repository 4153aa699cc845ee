#include "store/checkpointer.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <filesystem>
#include <string>

#include "test_support/temp_dir.h"

namespace scansync::store {
namespace {

namespace fs = std::filesystem;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = open_database(file_, 1000);
    ASSERT_TRUE(db.ok());
    db_ = std::make_unique<Database>(std::move(*db));
    auto mode = db_->prepare("PRAGMA journal_mode=WAL");
    ASSERT_TRUE(mode.ok());
    ASSERT_TRUE(mode->step());
    ASSERT_EQ(mode->column_text(0), "wal");
    mode->reset();
    ASSERT_FALSE(db_->exec("PRAGMA synchronous=NORMAL; CREATE TABLE t(v TEXT NOT NULL)"));
  }

  // One commit of one 3 KB row: about one WAL page.
  void insert_rows(int n) {
    auto ins = db_->prepare("INSERT INTO t(v) VALUES(?1)");
    ASSERT_TRUE(ins.ok());
    const std::string value(3000, 'x');
    for (int i = 0; i < n; ++i) {
      StatementUse q(*ins);
      q->bind(1, value);
      q->step();
      ASSERT_FALSE(q->error());
    }
  }
  std::int64_t rows() {
    auto n = db_->query_int("SELECT count(*) FROM t");
    return n ? *n : -1;
  }
  std::uintmax_t size_of(const std::string& f) { return fs::exists(f) ? fs::file_size(f) : 0; }

  test_support::TempDir dir_{"scansync-checkpoint"};  // first: removed after db_ closes
  std::string file_ = (dir_ / "t.db").string();
  std::unique_ptr<Database> db_;
};

TEST_F(CheckpointerTest, CheckpointsOnItsOwnThreadOnceTheWalCrossesTheThreshold) {
  auto cp = Checkpointer::start(*db_, file_, CheckpointOptions{.wal_pages = 8, .emergency_pages = 100000});
  ASSERT_TRUE(cp.ok());
  const auto db_size_before = size_of(file_);
  insert_rows(2);
  EXPECT_EQ((*cp)->completed(), 0u);  // under the threshold: nothing asked
  insert_rows(60);
  ASSERT_TRUE((*cp)->wait_completed(1, 10000));
  // Pages reached the main file: without a checkpoint it keeps its first size.
  EXPECT_GT(size_of(file_), db_size_before);
  EXPECT_EQ(rows(), 62);
}

TEST_F(CheckpointerTest, TheWriterCheckpointsItselfPastTheEmergencyBound) {
  // A threshold never reached by the thread: only the emergency path runs.
  auto cp = Checkpointer::start(*db_, file_, CheckpointOptions{.wal_pages = 1 << 30, .emergency_pages = 20});
  ASSERT_TRUE(cp.ok());
  insert_rows(400);
  EXPECT_EQ((*cp)->completed(), 0u);
  // Each time the WAL reaches 20 pages it is copied back and restarts from
  // its beginning: it never holds 400 rows' worth.
  EXPECT_LT(size_of(file_ + "-wal"), 40u * (4096 + 24));
  EXPECT_EQ(rows(), 400);
}

// The writer commits back to back on one core while the thread checkpoints
// on the same core: the thread must still get to finish its checkpoints
// (which hold SQLite's checkpoint lock, so the writer's own emergency
// checkpoint cannot run meanwhile) and the WAL must stay bounded. At
// SCHED_IDLE the thread starved holding that lock and the WAL grew without
// bound (82 MB in a 5 s gateway fan-out run).
TEST_F(CheckpointerTest, TheWalStaysBoundedWhenTheWriterSaturatesOneCore) {
  cpu_set_t one{};
  CPU_SET(sched_getcpu(), &one);
  cpu_set_t before{};
  ASSERT_EQ(sched_getaffinity(0, sizeof before, &before), 0);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);  // the thread started below inherits it
  auto cp = Checkpointer::start(*db_, file_, CheckpointOptions{.wal_pages = 50, .emergency_pages = 200});
  ASSERT_TRUE(cp.ok());
  auto ins = db_->prepare("INSERT INTO t(v) VALUES(?1)");
  ASSERT_TRUE(ins.ok());
  std::uintmax_t largest = 0;
  for (int i = 0; i < 20000; ++i) {
    StatementUse q(*ins);
    q->bind(1, std::string_view("0123456789abcdef0123456789abcdef"));
    q->step();
    ASSERT_FALSE(q->error());
    if (i % 50 == 0) largest = std::max(largest, size_of(file_ + "-wal"));
  }
  sched_setaffinity(0, sizeof before, &before);
  EXPECT_GT((*cp)->completed(), 0u);
  // 20,000 commits write ~20,000 WAL pages; bounded, the WAL never holds more
  // than a few times the emergency bound.
  EXPECT_LT(largest, 2000u * (4096 + 24)) << "largest WAL: " << largest << " bytes";
}

// One transaction of many writes (a ScanStore batch): the emergency
// checkpoint waits for its COMMIT, then runs on the writer as usual.
TEST_F(CheckpointerTest, TheEmergencyCheckpointRunsAfterTheCommitOfABigTransaction) {
  auto cp = Checkpointer::start(*db_, file_, CheckpointOptions{.wal_pages = 1 << 30, .emergency_pages = 20});
  ASSERT_TRUE(cp.ok());
  const auto db_size_before = size_of(file_);
  ASSERT_FALSE(db_->run(Database::TxStep::begin_write));
  insert_rows(100);  // ~100 WAL pages, five times the bound
  EXPECT_EQ(size_of(file_), db_size_before);  // nothing copied while the transaction is open
  ASSERT_FALSE(db_->run(Database::TxStep::commit));
  EXPECT_GT(size_of(file_), db_size_before);  // copied into the main file at the commit
  EXPECT_EQ(rows(), 100);
}

TEST_F(CheckpointerTest, StopsCleanlyAndLosesNothing) {
  {
    auto cp = Checkpointer::start(*db_, file_, CheckpointOptions{.wal_pages = 4, .emergency_pages = 100000});
    ASSERT_TRUE(cp.ok());
    insert_rows(50);
  }  // joined here, possibly mid-checkpoint
  insert_rows(5);  // the writer works on without it
  db_.reset();
  auto reopened = open_database(file_, 1000);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*reopened->query_int("SELECT count(*) FROM t"), 55);
}

TEST_F(CheckpointerTest, RefusesAPathItCannotOpen) {
  auto cp = Checkpointer::start(*db_, (dir_ / "missing" / "t.db").string(), {});
  EXPECT_FALSE(cp.ok());
}

}  // namespace
}  // namespace scansync::store
