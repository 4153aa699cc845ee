// Opening: migrations, and files that are not ours refused untouched.
#include <sqlite3.h>

#include <random>

#include "device/device_store_test_util.h"
#include "device/schema.h"

namespace scansync::device {
namespace {

using namespace testing;
namespace fs = std::filesystem;

// Runs SQL on a file through a plain SQLite connection (another app, or a
// newer scansync).
void raw_exec(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.string().c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

std::int64_t raw_int(const fs::path& file, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.string().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  std::int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

class OpenTest : public DeviceStoreTest {
 protected:
  // Opening `file_` is refused with `expected`, and the file's bytes (and
  // the folder's listing: no -wal left behind) are the same afterwards.
  void expect_refused_unchanged(std::error_code expected) {
    const std::string before = read_bytes(file_);
    auto s = DeviceStore::open(file_, "alice");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error(), expected) << s.error().message();
    EXPECT_EQ(read_bytes(file_), before);
    EXPECT_FALSE(fs::exists(file_.string() + "-wal"));
  }
  // A device database with enough rows to span many pages, closed (so the
  // WAL is checkpointed into the file).
  void make_device_database(int scans) {
    auto s = open();
    ASSERT_TRUE(s);
    std::vector<ServerChange> page;
    for (int i = 1; i <= scans; ++i) page.push_back(created(server_scan(i, i)));
    ASSERT_FALSE(s->apply(page, Cursor{scans, "e1"}));
  }
};

TEST_F(OpenTest, NewFileGetsTheSchemaAndOurApplicationId) {
  ASSERT_TRUE(open());
  EXPECT_EQ(raw_int(file_, "PRAGMA user_version"), detail::current_schema_version());
  EXPECT_EQ(raw_int(file_, "PRAGMA application_id"), detail::kApplicationId);
  EXPECT_NE(detail::kApplicationId, 0x53634E63);  // the gateway's
}

TEST_F(OpenTest, OpeningTwiceKeepsTheData) {
  {
    auto s = open();
    ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
    ASSERT_FALSE(s->set_setting("backend_url", "https://example.test"));
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(count(*s), 1u);
  EXPECT_EQ(outbox_size(*s), 1u);
  EXPECT_EQ(*s->setting("backend_url"), std::optional<std::string>("https://example.test"));
  EXPECT_EQ(raw_int(file_, "PRAGMA user_version"), detail::current_schema_version());
}

TEST_F(OpenTest, TwoStoresOnOneFile) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->add_local_scan(local_scan(1)).ok());
  EXPECT_EQ(count(*b), 1u);
  EXPECT_EQ(*a->device_id(), *b->device_id());
}

TEST_F(OpenTest, EmptyFileIsANewDatabase) {
  write_bytes(file_, "");
  ASSERT_TRUE(open());
  EXPECT_EQ(raw_int(file_, "PRAGMA application_id"), detail::kApplicationId);
}

TEST_F(OpenTest, NewerSchemaIsRefusedUnchanged) {
  make_device_database(3);
  raw_exec(file_, "PRAGMA user_version=" + std::to_string(detail::current_schema_version() + 1));
  expect_refused_unchanged(errc::schema_too_new);
}

TEST_F(OpenTest, GarbageIsRefusedUnchanged) {
  std::mt19937 rng(7);
  std::string bytes(8192, '\0');
  for (auto& c : bytes) c = static_cast<char>(rng());
  write_bytes(file_, bytes);
  expect_refused_unchanged(errc::not_a_device_database);
  write_bytes(file_, "hello, I am a text file\n");
  expect_refused_unchanged(errc::not_a_device_database);
  // The magic alone, then nothing: a header cut short.
  write_bytes(file_, std::string("SQLite format 3\0", 16));
  expect_refused_unchanged(errc::not_a_device_database);
}

TEST_F(OpenTest, AnotherAppsDatabaseIsRefusedUnchanged) {
  // No application_id at all, just someone's table: SQLite has to tell.
  raw_exec(file_, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES('x');");
  expect_refused_unchanged(errc::not_a_device_database);
  EXPECT_EQ(raw_int(file_, "SELECT count(*) FROM sqlite_master"), 1);

  fs::remove(file_);
  raw_exec(file_, "PRAGMA journal_mode=WAL; PRAGMA application_id=305419896; PRAGMA user_version=3;"
                  "CREATE TABLE t(x);");
  expect_refused_unchanged(errc::not_a_device_database);

  // An empty database with a user_version but no application_id.
  fs::remove(file_);
  raw_exec(file_, "PRAGMA user_version=1;");
  expect_refused_unchanged(errc::not_a_device_database);
}

TEST_F(OpenTest, TheGatewaysDatabaseIsRefusedUnchanged) {
  raw_exec(file_, "PRAGMA application_id=1398009443; PRAGMA user_version=1; CREATE TABLE scans(id TEXT);");
  expect_refused_unchanged(errc::not_a_device_database);
}

TEST_F(OpenTest, TruncatedFileIsRefusedUnchanged) {
  make_device_database(500);
  const std::string whole = read_bytes(file_);
  ASSERT_GT(whole.size(), 16u * 4096);
  write_bytes(file_, whole.substr(0, whole.size() / 2));
  expect_refused_unchanged(errc::not_a_device_database);
  write_bytes(file_, whole.substr(0, 60));
  expect_refused_unchanged(errc::not_a_device_database);
}

TEST_F(OpenTest, CorruptPageIsRefusedUnchanged) {
  make_device_database(500);
  std::string bytes = read_bytes(file_);
  ASSERT_GT(bytes.size(), 8u * 4096);
  // Page 5 (of b-tree pages holding scans or their index) overwritten.
  for (std::size_t i = 4 * 4096; i < 5 * 4096; ++i) bytes[i] = static_cast<char>(0xA5 ^ (i & 0xFF));
  write_bytes(file_, bytes);
  expect_refused_unchanged(errc::not_a_device_database);
}

TEST_F(OpenTest, CorruptHeaderIsRefusedUnchanged) {
  make_device_database(10);
  std::string bytes = read_bytes(file_);
  bytes.replace(0, 16, "SQLite format 4");
  write_bytes(file_, bytes);
  expect_refused_unchanged(errc::not_a_device_database);
}

TEST_F(OpenTest, MissingFolderIsOpenFailed) {
  auto s = DeviceStore::open(dir_ / "no" / "such" / "folder" / "device.db", "alice");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error(), errc::open_failed);
}

TEST_F(OpenTest, ErrorsHaveTheirCategory) {
  const std::error_code ec = errc::not_a_device_database;
  EXPECT_STREQ(ec.category().name(), "scansync.device");
  EXPECT_FALSE(ec.message().empty());
}

}  // namespace
}  // namespace scansync::device
