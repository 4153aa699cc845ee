// HS256 secrets on disk. The dev secret is the hex text itself (64 chars), used
// as the HMAC key byte for byte, so any JWT tool given the file's content
// produces tokens the gateway accepts.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "auth/secret_io.h"
#include "scansync/auth/jwt.h"

namespace scansync::auth {
namespace {

constexpr std::size_t kDevSecretBytes = 32;
constexpr char kDevSecretName[] = "jwt-secret";

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

}  // namespace

Result<std::string> load_secret_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return errc::secret_file_error;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return errc::secret_file_error;
  std::string secret = trim(ss.str());
  if (secret.empty()) return errc::secret_file_error;
  return secret;
}

Result<std::string> load_or_create_dev_secret(const std::filesystem::path& data_dir) {
  auto dev = open_dev_secret(data_dir);
  if (!dev) return dev.error();
  return std::move(dev->secret);
}

Result<DevSecret> open_dev_secret(const std::filesystem::path& data_dir) {
  const auto existing = [](const std::filesystem::path& file) -> Result<DevSecret> {
    auto secret = load_secret_file(file);
    if (!secret) return secret.error();
    return DevSecret{std::move(*secret), false};
  };
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return errc::secret_file_error;
  const auto file = data_dir / kDevSecretName;

  if (std::filesystem::exists(file, ec)) return existing(file);

  // Written to a temporary file first and published with link(), which fails
  // if the name exists: a reader never sees a half-written secret, and when
  // two processes race exactly one secret wins and both use it.
  std::string tmp = (data_dir / ".jwt-secret.XXXXXX").string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return errc::secret_file_error;
  auto secret = random_hex(kDevSecretBytes);
  // mkstemp creates 0600 already; fchmod states the requirement explicitly.
  bool ok = secret && ::fchmod(fd, 0600) == 0 && write_all(fd, *secret + "\n") && ::fsync(fd) == 0;
  ::close(fd);
  bool lost_race = false;
  if (ok && ::link(tmp.c_str(), file.c_str()) != 0) {
    lost_race = errno == EEXIST;
    ok = false;
  }
  ::unlink(tmp.c_str());
  if (lost_race) return existing(file);  // the other process created it
  if (!ok) return errc::secret_file_error;
  return DevSecret{std::move(*secret), true};
}

}  // namespace scansync::auth
