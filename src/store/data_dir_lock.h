#pragma once
// One gateway per data folder. Two gateways on one SQLite file would each
// believe they own its seq counters and epoch; the second must refuse to
// start and say which process holds the folder.
//
// The lock is an flock(2) on DIR/gateway.lock, which also holds the owner's
// pid for the message. The kernel drops it when the process dies, however
// it dies (SIGKILL included), so a stale file never blocks a restart.
#include <filesystem>
#include <optional>

#include "scansync/result.h"

namespace scansync::store {

class DataDirLock {
 public:
  // Takes the folder, or fails with std::errc::device_or_resource_busy when
  // another process (or another DataDirLock) holds it; any other error is
  // the OS's about DIR/gateway.lock.
  static Result<DataDirLock> acquire(const std::filesystem::path& dir);
  // The pid written by the holder, if the file names one.
  static std::optional<long> holder(const std::filesystem::path& dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace scansync::store
