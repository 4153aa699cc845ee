#pragma once
// JWT (HS256 only) for the gateway: verification of client tokens and signing
// for the `scansync token` tool. Any other alg, including "none", is refused.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/result.h"

namespace scansync::auth {

struct Claims {
  std::string sub;  // user id; required, non-empty
  std::int64_t exp = 0;  // unix seconds; required
  std::optional<std::int64_t> iat, nbf;
  std::optional<std::string> iss, aud;  // aud: when verifying, the first (or matching) audience
};

struct VerifierOptions {
  std::string secret;
  std::optional<std::string> issuer;    // checked only when set
  std::optional<std::string> audience;  // checked only when set; token aud may be a string or an array
  std::int64_t leeway_s = 0;            // tolerance applied to exp and nbf
  // Longest lifetime accepted, in seconds (0: no cap). A token whose exp - iat,
  // or exp - now, exceeds it is refused (token_lifetime_exceeded), so a leaked
  // token minted for years cannot be used for years.
  std::int64_t max_lifetime_s = 0;
};

enum class errc {
  token_missing = 1,
  token_invalid,
  token_expired,
  token_not_yet_valid,
  token_lifetime_exceeded,  // exp - iat or exp - now above VerifierOptions::max_lifetime_s
  secret_file_error,  // a secret file could not be read, created, or is empty
};

const std::error_category& category();  // name "scansync.auth"
inline std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

// The contract's CONNECT_ERROR data.code for an auth error:
// "token_missing" | "token_invalid" | "token_expired" (not_yet_valid and any
// other error → "token_invalid").
std::string_view wire_code(std::error_code ec);

// Empty token → token_missing. Malformed, wrong alg, bad signature, missing
// or non-numeric exp, missing sub, iss/aud mismatch → token_invalid.
// A lifetime over max_lifetime_s → token_lifetime_exceeded (wire code token_invalid).
Result<Claims> verify_hs256(std::string_view token, const VerifierOptions& opts, std::int64_t now_unix_s);

// Header {"alg":"HS256","typ":"JWT"}; optional claims are written only when set.
std::string sign_hs256(const Claims& claims, std::string_view secret);

// Reads a secret file (surrounding whitespace trimmed); empty → secret_file_error.
Result<std::string> load_secret_file(const std::filesystem::path& file);
// Dev secret: reads DATA_DIR/jwt-secret, or creates it (32 random bytes, hex,
// mode 0600, data_dir created if needed) when absent.
Result<std::string> load_or_create_dev_secret(const std::filesystem::path& data_dir);
// The same, also telling whether this call created the file (so a tool can
// say so: a new secret means the gateway must use that data folder).
struct DevSecret {
  std::string secret;
  bool created = false;
};
Result<DevSecret> open_dev_secret(const std::filesystem::path& data_dir);

}  // namespace scansync::auth

template <>
struct std::is_error_code_enum<scansync::auth::errc> : std::true_type {};
