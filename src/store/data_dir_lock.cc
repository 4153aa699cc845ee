#include "store/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <system_error>

namespace scansync::store {
namespace {

std::filesystem::path lock_file(const std::filesystem::path& dir) { return dir / "gateway.lock"; }

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

Result<DataDirLock> DataDirLock::acquire(const std::filesystem::path& dir) {
  const auto path = lock_file(dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return last_error();
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const auto ec = errno == EWOULDBLOCK ? std::make_error_code(std::errc::device_or_resource_busy) : last_error();
    ::close(fd);
    return ec;
  }
  // Ours now: replace whatever pid an earlier owner left.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const auto ec = last_error();
    ::close(fd);
    return ec;
  }
  return DataDirLock(fd);
}

std::optional<long> DataDirLock::holder(const std::filesystem::path& dir) {
  std::ifstream in(lock_file(dir));
  long pid = 0;
  if (in >> pid && pid > 0) return pid;
  return std::nullopt;
}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  // Closing the descriptor releases the flock; the file stays (its pid is
  // overwritten by the next owner).
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace scansync::store
