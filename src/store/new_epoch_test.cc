// give_new_epoch: the operator's command after restoring a backup.
#include "store/new_epoch.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "store/scan_store.h"
#include "test_support/temp_dir.h"

namespace scansync::store {
namespace {

namespace fs = std::filesystem;

NewScan scan(std::string id) { return NewScan{std::move(id), "code", "qr", "dev", "2026-01-01T00:00:00.000Z"}; }

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class NewEpochTest : public ::testing::Test {
 protected:
  std::unique_ptr<ScanStore> open() {
    auto s = ScanStore::open(file_, StoreOptions{});
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  void write(const fs::path& file, std::string_view text) { std::ofstream(file, std::ios::binary) << text; }

  test_support::TempDir dir_{"scansync-new-epoch"};
  fs::path file_ = dir_ / "scansync.db";
};

TEST_F(NewEpochTest, ReplacesTheEpochAndKeepsTheHistory) {
  std::string before;
  {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->create("alice", scan("a1")).ok());
    ASSERT_TRUE(s->create("alice", scan("a2")).ok());
    before = s->epoch();
  }
  auto change = give_new_epoch(file_);
  ASSERT_TRUE(change.ok()) << change.error().message();
  EXPECT_EQ(change->old_epoch, before);
  EXPECT_EQ(change->new_epoch.size(), 32u);
  EXPECT_NE(change->new_epoch, before);

  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->epoch(), change->new_epoch);
  auto page = s->changes_since("alice", 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->epoch, change->new_epoch);
  EXPECT_EQ(page->latest_seq, 2);
  EXPECT_EQ(page->changes.size(), 2u);
  EXPECT_EQ(s->create("alice", scan("a3"))->scan.seq, 3);  // seqs go on where they were
}

TEST_F(NewEpochTest, EachRunChoosesAnotherEpoch) {
  { open(); }
  auto first = give_new_epoch(file_);
  auto second = give_new_epoch(file_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->old_epoch, first->new_epoch);
  EXPECT_NE(second->new_epoch, first->new_epoch);
}

TEST_F(NewEpochTest, AnOpenDatabaseIsRefusedAndUnchanged) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create("alice", scan("a1")).ok());
  EXPECT_EQ(give_new_epoch(file_).error(), errc::busy);
  EXPECT_EQ(s->changes_since("alice", 0, 10)->epoch, s->epoch());
  EXPECT_TRUE(s->create("alice", scan("a2")).ok());  // the lock attempt left nothing behind
  const std::string epoch = s->epoch();
  s.reset();
  EXPECT_EQ(open()->epoch(), epoch);
}

TEST_F(NewEpochTest, AFileRestoredWithItsWalKeepsEveryCommittedRow) {
  // A copy taken while the gateway ran (or after it was killed): the newest
  // commits are still in the -wal file beside it.
  auto s = ScanStore::open(file_, StoreOptions{.background_checkpoint = false});
  ASSERT_TRUE(s.ok());
  for (const char* id : {"a1", "a2", "a3"}) ASSERT_TRUE((*s)->create("alice", scan(id)).ok());
  const fs::path copy = dir_ / "restored.db";
  fs::copy_file(file_, copy);
  fs::copy_file(fs::path(file_.string() + "-wal"), fs::path(copy.string() + "-wal"));
  s->reset();

  ASSERT_TRUE(give_new_epoch(copy).ok());
  auto restored = ScanStore::open(copy, StoreOptions{});
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->changes_since("alice", 0, 10)->changes.size(), 3u);
}

TEST_F(NewEpochTest, AMissingFileIsNotCreated) {
  EXPECT_EQ(give_new_epoch(file_).error(), errc::open_failed);
  EXPECT_FALSE(fs::exists(file_));
}

TEST_F(NewEpochTest, AnEmptyFileIsNoGatewayDatabaseAndStaysEmpty) {
  write(file_, "");
  EXPECT_EQ(give_new_epoch(file_).error(), errc::not_a_database);
  EXPECT_EQ(fs::file_size(file_), 0u);
}

TEST_F(NewEpochTest, ForeignAndCorruptFilesAreRefusedUntouched) {
  const fs::path text = dir_ / "notes.txt";
  write(text, std::string(4096, 'x'));
  const fs::path corrupt = dir_ / "corrupt.db";
  write(corrupt, std::string("SQLite format 3\0", 16) + std::string(8192, '\x5a'));
  const fs::path other_app = dir_ / "other.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(other_app.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA user_version=2;", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  for (const auto& file : {text, corrupt, other_app}) {
    const std::string before = bytes_of(file);
    EXPECT_EQ(give_new_epoch(file).error(), errc::not_a_database) << file;
    EXPECT_TRUE(bytes_of(file) == before) << file << " changed";
  }
}

TEST_F(NewEpochTest, ANewerSchemaIsRefused) {
  { open(); }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_EQ(give_new_epoch(file_).error(), errc::schema_too_new);
}

}  // namespace
}  // namespace scansync::store
