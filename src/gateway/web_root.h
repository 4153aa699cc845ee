#pragma once
// The folder the web page is served from, and the one read of a file in it.
//
// Files are read whole and synchronously on the event loop: the page's files
// are small, and kMaxWebFile bounds what one request can cost. A path that
// resolves (symlinks followed) outside the folder is not there.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "scansync/result.h"

namespace scansync::gateway {

enum class WebFileError {
  not_found = 1,  // missing, not a regular file, or outside the root
  too_large,      // over kMaxWebFile
  unreadable,     // the operating system refused the read
};
std::error_code make_error_code(WebFileError e);  // category "scansync.web"

inline constexpr std::uint64_t kMaxWebFile = 8u << 20;

struct WebFile {
  std::string body;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;  // since the Unix epoch
  bool gzip = false;          // body is the precompressed ".gz" sibling
};

class WebRoot {
 public:
  // The folder, if it is one (resolved to its canonical path).
  static std::optional<WebRoot> at(const std::filesystem::path& dir);

  // `relative` as web_file_path() gives it. With gzip_ok, "<file>.gz" is
  // read instead when it exists beside the file.
  Result<WebFile> read(std::string_view relative, bool gzip_ok) const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit WebRoot(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Result<WebFile> read_file(const std::filesystem::path& file) const;

  std::filesystem::path dir_;  // canonical
};

// Where the page is looked for when no folder is given, in order:
// <exe dir>/../share/scansync/web (the install layout), then the build
// tree's web/ (compiled in).
std::vector<std::filesystem::path> default_web_roots();

}  // namespace scansync::gateway

template <>
struct std::is_error_code_enum<scansync::gateway::WebFileError> : std::true_type {};
