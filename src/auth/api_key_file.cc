// The server API key file: reading with the checks an operator relies on
// (permissions, one bad line named), and writing new keys without ever
// leaving a half-written or world-readable file.
#include "auth/api_key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "auth/secret_io.h"

namespace scansync::auth {
namespace {

constexpr std::size_t kMinKeyChars = 32;
constexpr std::size_t kMaxKeyChars = 1024;
constexpr std::size_t kMaxFileBytes = 1 << 20;  // far beyond any key list; bounds a mistaken path
constexpr std::size_t kNewKeyBytes = 32;
constexpr std::string_view kNewKeyPrefix = "ssk_";  // "scansync server key": greppable, and secret scanners can match it

class ApiKeyCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.api_key_file"; }
  std::string message(int ev) const override {
    switch (static_cast<api_key_errc>(ev)) {
      case api_key_errc::unreadable: return "API key file cannot be read";
      case api_key_errc::not_a_regular_file: return "API key file is not a regular file";
      case api_key_errc::open_to_others: return "API key file may be read or written by group or others";
      case api_key_errc::no_keys: return "API key file holds no key";
      case api_key_errc::bad_key: return "API key file holds a line that is not a key";
      case api_key_errc::same_as_jwt_secret: return "an API key equals the JWT secret";
      case api_key_errc::exists: return "API key file exists already";
      case api_key_errc::write_failed: return "API key file could not be written";
    }
    return "unknown API key file error";
  }
};

std::string_view trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

bool key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~+/=").find(c) != std::string_view::npos;
}

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

struct FileText {
  std::string content;
  std::error_code error;
  std::string detail;
};

// The file's bytes after the checks on the file itself (type, mode, size).
// One descriptor for the checks and the read, so they are about the same file.
FileText read_checked(const std::filesystem::path& file) {
  FileText out;
  const auto fail = [&out](api_key_errc e, std::string detail) {
    out.error = e;
    out.detail = std::move(detail);
    return std::move(out);
  };
  // O_NONBLOCK: a FIFO must not hang the open (it is refused below).
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return fail(api_key_errc::unreadable, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return fail(api_key_errc::unreadable, std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(api_key_errc::not_a_regular_file, S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return fail(api_key_errc::open_to_others,
                "mode " + mode_text(st.st_mode) + " lets group or others at it; chmod 600 it (or 400)");
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxFileBytes) {
    ::close(fd);
    return fail(api_key_errc::unreadable, "larger than 1 MiB: not a key file");
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return fail(api_key_errc::unreadable, std::strerror(e));
    }
    if (n == 0) break;
    out.content.append(buf, static_cast<std::size_t>(n));
    if (out.content.size() > kMaxFileBytes) {
      ::close(fd);
      return fail(api_key_errc::unreadable, "larger than 1 MiB: not a key file");
    }
  }
  ::close(fd);
  return out;
}

// A 0600 temporary file beside `file` holding `content`, fsynced; its path,
// or empty when it could not be written (nothing left behind then).
std::string write_beside(const std::filesystem::path& file, std::string_view content) {
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  std::string tmp = (dir / ("." + file.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return {};
  // mkstemp creates 0600 already; fchmod states the requirement explicitly.
  const bool ok = ::fchmod(fd, 0600) == 0 && write_all(fd, content) && ::fsync(fd) == 0;
  if (::close(fd) != 0 || !ok) {
    ::unlink(tmp.c_str());
    return {};
  }
  return tmp;
}

// So that the new name survives a power loss too (best effort: some file
// systems refuse fsync on a directory).
void sync_parent(const std::filesystem::path& file) {
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string entry(std::string_view comment, std::string_view key) {
  std::string text;
  if (!comment.empty()) {
    text += comment.front() == '#' ? "" : "# ";
    text += comment;
    text += '\n';
  }
  text += key;
  text += '\n';
  return text;
}

}  // namespace

const std::error_category& api_key_category() {
  static const ApiKeyCategory category;
  return category;
}

bool well_formed_api_key(std::string_view key, std::string* why) {
  const auto refuse = [why](std::string text) {
    if (why) *why = std::move(text);
    return false;
  };
  if (key.size() < kMinKeyChars) {
    return refuse(std::to_string(key.size()) + " characters, a key has at least " + std::to_string(kMinKeyChars));
  }
  if (key.size() > kMaxKeyChars) {
    return refuse(std::to_string(key.size()) + " characters, a key has at most " + std::to_string(kMaxKeyChars));
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (!key_char(key[i])) {
      return refuse("character " + std::to_string(i + 1) +
                    " is not one of a bearer token's (letters, digits, - . _ ~ + / =)");
    }
  }
  return true;
}

ApiKeyFile load_api_key_file(const std::filesystem::path& file, std::string_view jwt_secret) {
  FileText text = read_checked(file);
  ApiKeyFile out;
  if (text.error) {
    out.error = text.error;
    out.detail = std::move(text.detail);
    return out;
  }
  std::string_view rest = text.content;
  for (std::size_t line = 1; !rest.empty(); ++line) {
    const auto nl = rest.find('\n');
    const std::string_view raw = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    const std::string_view key = trim(raw);
    if (key.empty() || key.front() == '#') continue;
    std::string why;
    if (!well_formed_api_key(key, &why)) {
      out.error = api_key_errc::bad_key;
      out.detail = "line " + std::to_string(line) + ": " + why;
      out.keys.clear();
      return out;
    }
    if (!jwt_secret.empty() && key == jwt_secret) {
      out.error = api_key_errc::same_as_jwt_secret;
      out.detail = "line " + std::to_string(line) + " is the JWT secret; an API key must be a secret of its own";
      out.keys.clear();
      return out;
    }
    out.keys.emplace_back(key);
  }
  if (out.keys.empty()) {
    out.error = api_key_errc::no_keys;
    out.detail = text.content.empty() ? "empty" : "no key, only comments or blank lines";
  }
  return out;
}

Result<std::string> generate_api_key() {
  auto hex = random_hex(kNewKeyBytes);
  if (!hex) return api_key_errc::write_failed;
  return std::string(kNewKeyPrefix) + *hex;
}

Result<std::string> create_api_key_file(const std::filesystem::path& file, std::string_view comment) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(file, ec))) return api_key_errc::exists;
  auto key = generate_api_key();
  if (!key) return key.error();
  const std::string tmp = write_beside(file, entry(comment, *key));
  if (tmp.empty()) return api_key_errc::write_failed;
  // link() fails if the name exists: a racing creator's file is never replaced.
  const bool linked = ::link(tmp.c_str(), file.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (!linked) return link_errno == EEXIST ? api_key_errc::exists : api_key_errc::write_failed;
  sync_parent(file);
  return key;
}

Result<std::string> add_api_key(const std::filesystem::path& file, std::string_view comment) {
  if (const auto current = load_api_key_file(file); current.error) return current.error;
  FileText text = read_checked(file);
  if (text.error) return text.error;
  // A symlinked file (a mounted secret) is updated where it lives; the link stays.
  std::error_code ec;
  const auto target = std::filesystem::canonical(file, ec);
  if (ec) return api_key_errc::unreadable;
  auto key = generate_api_key();
  if (!key) return key.error();
  std::string content = std::move(text.content);
  if (!content.empty() && content.back() != '\n') content += '\n';
  content += entry(comment, *key);
  const std::string tmp = write_beside(target, content);
  if (tmp.empty()) return api_key_errc::write_failed;
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return api_key_errc::write_failed;
  }
  sync_parent(target);
  return key;
}

}  // namespace scansync::auth
