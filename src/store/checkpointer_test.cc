#include "store/checkpointer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

namespace scansync::store {
namespace {

namespace fs = std::filesystem;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("scansync-checkpoint-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    file_ = (dir_ / "t.db").string();
    auto db = Database::open(file_, 1000);
    ASSERT_TRUE(db.ok());
    db_ = std::make_unique<Database>(std::move(*db));
    auto mode = db_->prepare("PRAGMA journal_mode=WAL");
    ASSERT_TRUE(mode.ok());
    ASSERT_TRUE(mode->step());
    ASSERT_EQ(mode->column_text(0), "wal");
    mode->reset();
    ASSERT_FALSE(db_->exec("PRAGMA synchronous=NORMAL; CREATE TABLE t(v TEXT NOT NULL)"));
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
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
  std::int64_t rows() { return db_->query_int("SELECT count(*) FROM t").value_or(-1); }
  std::uintmax_t size_of(const std::string& f) { return fs::exists(f) ? fs::file_size(f) : 0; }

  fs::path dir_;
  std::string file_;
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

TEST_F(CheckpointerTest, StopsCleanlyAndLosesNothing) {
  {
    auto cp = Checkpointer::start(*db_, file_, CheckpointOptions{.wal_pages = 4, .emergency_pages = 100000});
    ASSERT_TRUE(cp.ok());
    insert_rows(50);
  }  // joined here, possibly mid-checkpoint
  insert_rows(5);  // the writer works on without it
  db_.reset();
  auto reopened = Database::open(file_, 1000);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->query_int("SELECT count(*) FROM t"), 55);
}

TEST_F(CheckpointerTest, RefusesAPathItCannotOpen) {
  auto cp = Checkpointer::start(*db_, (dir_ / "missing" / "t.db").string(), {});
  EXPECT_FALSE(cp.ok());
}

}  // namespace
}  // namespace scansync::store
