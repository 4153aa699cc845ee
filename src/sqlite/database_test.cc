// The shared wrapper reports every error through the map its connection was
// opened with, and opens an existing file only when told to.
#include "sqlite/database.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support/temp_dir.h"

namespace scansync::sqlite {
namespace {

// Keeps SQLite's primary code, in a category of its own, to see what was mapped.
class RawCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "test.sqlite"; }
  std::string message(int rc) const override { return sqlite3_errstr(rc); }
};
const RawCategory kRaw;
std::error_code raw(int rc) {
  rc &= 0xFF;
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return {};
  return {rc, kRaw};
}

class DatabaseTest : public ::testing::Test {
 protected:
  test_support::TempDir dir_{"scansync-sqlite"};
  std::string file_ = (dir_ / "x.db").string();
};

TEST_F(DatabaseTest, ExistingModeCreatesNothing) {
  auto db = Database::open(file_, 0, &raw, Database::OpenMode::existing);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error(), raw(SQLITE_CANTOPEN));
  EXPECT_FALSE(std::filesystem::exists(file_));
  ASSERT_TRUE(Database::open(file_, 0, &raw).ok());
  EXPECT_TRUE(std::filesystem::exists(file_));
}

TEST_F(DatabaseTest, ErrorsComeThroughTheMap) {
  auto db = Database::open(file_, 0, &raw);
  ASSERT_TRUE(db.ok());
  ASSERT_FALSE(db->exec("CREATE TABLE t(x INTEGER PRIMARY KEY)"));
  EXPECT_EQ(db->exec("NOT SQL"), raw(SQLITE_ERROR));
  EXPECT_EQ(db->prepare("SELECT nope FROM t").error(), raw(SQLITE_ERROR));
  EXPECT_EQ(db->query_int("SELECT x FROM t").error(), raw(SQLITE_ERROR));  // no row
  auto insert = db->prepare("INSERT INTO t(x) VALUES(?1)");
  ASSERT_TRUE(insert.ok());
  EXPECT_FALSE(insert->bind(1, std::int64_t{1}).run());
  insert->reset();
  EXPECT_EQ(insert->bind(1, std::int64_t{1}).run(), raw(SQLITE_CONSTRAINT));
  Statement moved = std::move(*insert);
  EXPECT_EQ(moved.error(), raw(SQLITE_CONSTRAINT));  // the error moves with it
  {
    Transaction tx(*db);
    ASSERT_FALSE(tx.begin_error());
    EXPECT_FALSE(tx.commit());
    EXPECT_EQ(tx.commit(), raw(SQLITE_ERROR));  // nothing open any more
  }
}

TEST_F(DatabaseTest, TheFirstBindErrorSticksUntilReset) {
  auto db = Database::open(file_, 0, &raw);
  ASSERT_TRUE(db.ok());
  auto st = db->prepare("SELECT ?1");
  ASSERT_TRUE(st.ok());
  st->bind(5, std::int64_t{1});  // out of range
  st->bind(1, std::int64_t{7});
  EXPECT_EQ(st->error(), raw(SQLITE_RANGE));
  EXPECT_FALSE(st->step());
  st->reset();
  st->bind(1, std::int64_t{7});
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int(0), 7);
}

}  // namespace
}  // namespace scansync::sqlite
