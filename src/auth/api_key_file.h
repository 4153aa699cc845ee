#pragma once
// The server API key file: the secrets a backend (an import job, a
// server-side scanner) presents as `Authorization: Bearer <key>` to use the
// REST API on behalf of a user. A separate secret from the JWT secret: it
// mints nothing, and a leaked key is revoked by deleting its line.
//
// Format (UTF-8 text, one key per line, so keys can be rotated: add the new
// one, move the backends over, delete the old line, restart):
//   - surrounding whitespace of each line is ignored; blank lines and lines
//     starting with '#' are comments;
//   - a key is 32 to 1024 characters of the bearer-token alphabet
//     (letters, digits, - . _ ~ + / =); `scansync api-key new` writes
//     "ssk_" + 64 hex digits (256 random bits);
//   - the file must be a regular file (a symlink to one is followed) that
//     neither group nor others may read or write (mode 0600 or 0400), like
//     an ssh private key; at least one key; no key equal to the JWT secret.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "scansync/result.h"

namespace scansync::auth {

enum class api_key_errc {
  unreadable = 1,      // cannot be opened or read (missing, no permission, over 1 MiB)
  not_a_regular_file,  // a directory, a device, a FIFO, …
  open_to_others,      // group or others may read or write it
  no_keys,             // empty, or comments only
  bad_key,             // a line that is not a key (characters, length)
  same_as_jwt_secret,  // a key equals the JWT secret: one leak would give both
  exists,              // create: the file is there already (use add)
  write_failed,        // create/add: the file could not be written
};

const std::error_category& api_key_category();  // name "scansync.api_key_file"
inline std::error_code make_error_code(api_key_errc e) { return {static_cast<int>(e), api_key_category()}; }

// What load_api_key_file found. `error` is an api_key_errc (empty: `keys`
// holds at least one key); `detail` says what and where for the operator
// ("line 3: 12 characters, a key has at least 32"), never a key itself.
struct ApiKeyFile {
  std::vector<std::string> keys;  // in file order
  std::error_code error;
  std::string detail;
};

// Reads and checks FILE (see the format above). `jwt_secret`: the gateway's
// JWT secret, which no key may equal (empty: not checked).
ApiKeyFile load_api_key_file(const std::filesystem::path& file, std::string_view jwt_secret = {});

// Whether `line` (already trimmed, not a comment) is a well-formed key; when
// not, why (for ApiKeyFile::detail).
bool well_formed_api_key(std::string_view key, std::string* why = nullptr);

// A new key: "ssk_" + 64 lower-case hex digits (32 bytes from the OpenSSL CSPRNG).
Result<std::string> generate_api_key();

// Creates FILE with mode 0600 holding `comment` (a '#' line, e.g. "# added
// <time>") and a new key, which it returns. The file appears whole or not at
// all (written beside it, then linked into place). An existing FILE →
// api_key_errc::exists, untouched.
Result<std::string> create_api_key_file(const std::filesystem::path& file, std::string_view comment);

// Adds `comment` and a new key at the end of FILE, which must load
// (load_api_key_file) first; returns the key. FILE is replaced atomically
// (written beside it, fsynced, renamed over it) and keeps mode 0600.
Result<std::string> add_api_key(const std::filesystem::path& file, std::string_view comment);

}  // namespace scansync::auth

template <>
struct std::is_error_code_enum<scansync::auth::api_key_errc> : std::true_type {};
