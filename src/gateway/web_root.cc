#include "gateway/web_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace scansync::gateway {
namespace {

namespace fs = std::filesystem;

class WebCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.web"; }
  std::string message(int ev) const override {
    switch (static_cast<WebFileError>(ev)) {
      case WebFileError::not_found: return "no such file";
      case WebFileError::too_large: return "file larger than the 8 MiB the gateway serves";
      case WebFileError::unreadable: return "file cannot be read";
    }
    return "unknown web file error";
  }
};

// Closes on scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Whether `p` (canonical) is `root` (canonical) or inside it.
bool inside(const fs::path& p, const fs::path& root) {
  auto r = root.begin();
  auto i = p.begin();
  for (; r != root.end(); ++r, ++i) {
    if (i == p.end() || *i != *r) return false;
  }
  return true;
}

}  // namespace

std::error_code make_error_code(WebFileError e) {
  static const WebCategory category;
  return {static_cast<int>(e), category};
}

std::optional<WebRoot> WebRoot::at(const fs::path& dir) {
  std::error_code ec;
  auto canonical = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(canonical, ec)) return std::nullopt;
  return WebRoot(std::move(canonical));
}

Result<WebFile> WebRoot::read(std::string_view relative, bool gzip_ok) const {
  const fs::path file = dir_ / fs::path(std::string(relative));
  if (gzip_ok) {
    auto gz = read_file(fs::path(file.string() + ".gz"));
    if (gz) {
      gz->gzip = true;
      return gz;
    }
    if (gz.error() != WebFileError::not_found) return gz;
  }
  return read_file(file);
}

Result<WebFile> WebRoot::read_file(const fs::path& file) const {
  std::error_code ec;
  const fs::path real = fs::canonical(file, ec);  // follows every symlink on the way
  if (ec || !inside(real, dir_)) return WebFileError::not_found;
  // The checks below are on the descriptor that is read: a file swapped
  // after canonical() is still a regular file of bounded size.
  Fd f{::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)};
  if (f.fd < 0) return errno == ENOENT || errno == ELOOP ? WebFileError::not_found : WebFileError::unreadable;
  struct stat st{};
  if (::fstat(f.fd, &st) != 0) return WebFileError::unreadable;
  if (!S_ISREG(st.st_mode)) return WebFileError::not_found;
  if (static_cast<std::uint64_t>(st.st_size) > kMaxWebFile) return WebFileError::too_large;
  WebFile out;
  out.size = static_cast<std::uint64_t>(st.st_size);
  out.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out.body.resize(out.size);
  std::size_t got = 0;
  while (got < out.size) {
    const ssize_t n = ::read(f.fd, out.body.data() + got, out.size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WebFileError::unreadable;  // shrunk while read, or an I/O error
    got += static_cast<std::size_t>(n);
  }
  return out;
}

std::vector<fs::path> default_web_roots() {
  std::vector<fs::path> roots;
  // The install layout first: an installed binary still has the build
  // tree's path compiled in, and that folder may exist on the machine that
  // built it (the package tests install there).
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(exe.parent_path() / ".." / "share" / "scansync" / "web");
#ifdef SCANSYNC_DEFAULT_WEB_ROOT
  roots.emplace_back(SCANSYNC_DEFAULT_WEB_ROOT);
#endif
  return roots;
}

}  // namespace scansync::gateway
