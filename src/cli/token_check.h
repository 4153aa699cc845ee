#pragma once
// `scansync token --check`: the gateway's verifier applied to one token, with
// a reason a person can act on when it refuses (the verifier itself answers
// only with an error code, as the wire contract wants).
#include <cstdint>
#include <string>
#include <string_view>

#include "scansync/auth/jwt.h"

namespace scansync::cli {

struct TokenVerdict {
  bool valid = false;
  // valid: the claims as one JSON object {"sub","iat","nbf","exp","iss","aud"}
  // (absent claims left out; aud is the first or the required audience).
  // Refused: "<code>: <why>", code being the verifier's error name
  // (token_invalid, token_expired, token_not_yet_valid, token_lifetime_exceeded,
  // token_missing).
  std::string line;
};

// now_unix_s is an input so the verdict is a pure function of its arguments.
TokenVerdict check_token(std::string_view token, const auth::VerifierOptions& opts, std::int64_t now_unix_s);

// 2026-12-01T10:00:00Z; the bare number when it is outside what gmtime handles.
std::string utc_text(std::int64_t unix_s);

}  // namespace scansync::cli
