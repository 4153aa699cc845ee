#include "store/data_dir_lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace scansync::store {
namespace {

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "data_dir_lock_test.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST(DataDirLock, ASecondHolderIsRefusedAndTheFirstIsNamed) {
  TempDir dir;
  auto first = DataDirLock::acquire(dir.path);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(DataDirLock::holder(dir.path), ::getpid());

  auto second = DataDirLock::acquire(dir.path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), std::errc::device_or_resource_busy);
}

TEST(DataDirLock, ReleasedWhenTheHolderGoes) {
  TempDir dir;
  { auto first = DataDirLock::acquire(dir.path); ASSERT_TRUE(first.ok()); }
  auto again = DataDirLock::acquire(dir.path);
  EXPECT_TRUE(again.ok()) << again.error().message();
}

TEST(DataDirLock, AMovedLockStillHoldsTheFolder) {
  TempDir dir;
  auto first = DataDirLock::acquire(dir.path);
  ASSERT_TRUE(first.ok());
  DataDirLock moved = std::move(*first);
  EXPECT_FALSE(DataDirLock::acquire(dir.path).ok());
}

TEST(DataDirLock, AStalePidFromADeadOwnerDoesNotBlock) {
  TempDir dir;
  {
    std::FILE* f = std::fopen((dir.path / "gateway.lock").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("999999999\n", f);
    std::fclose(f);
  }
  auto lock = DataDirLock::acquire(dir.path);
  ASSERT_TRUE(lock.ok()) << lock.error().message();
  EXPECT_EQ(DataDirLock::holder(dir.path), ::getpid());  // rewritten, not appended
}

TEST(DataDirLock, AMissingFolderIsTheOsError) {
  TempDir dir;
  auto lock = DataDirLock::acquire(dir.path / "absent");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error(), std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace scansync::store
