#include "store/sqlite.h"

#include <gtest/gtest.h>

namespace scansync::store {
namespace {

// The gateway logs these errors for operators: "disk full" must read as
// such, not as a generic statement failure.
TEST(SqliteErrors, ResultCodesMapToTheirCause) {
  EXPECT_FALSE(to_error(SQLITE_OK));
  EXPECT_FALSE(to_error(SQLITE_DONE));
  EXPECT_EQ(to_error(SQLITE_FULL), errc::disk_full);
  EXPECT_EQ(to_error(SQLITE_IOERR_WRITE), errc::io_error);  // extended codes by their primary code
  EXPECT_EQ(to_error(SQLITE_IOERR_FSYNC), errc::io_error);
  EXPECT_EQ(to_error(SQLITE_READONLY_DBMOVED), errc::read_only);
  EXPECT_EQ(to_error(SQLITE_BUSY_SNAPSHOT), errc::busy);
  EXPECT_EQ(to_error(SQLITE_CORRUPT), errc::not_a_database);
  EXPECT_EQ(to_error(SQLITE_CONSTRAINT_UNIQUE), errc::sql_error);
  EXPECT_NE(std::error_code(errc::disk_full).message().find("disk full"), std::string::npos);
}

}  // namespace
}  // namespace scansync::store
