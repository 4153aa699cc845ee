// JWT HS256 verification of arbitrary token text. Invariants: no crash, an
// accepted token has a subject and is within its validity window, and a
// token we sign for the accepted claims is accepted with the same claims
// (so decoding and signing agree).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "scansync/auth/jwt.h"

using namespace scansync::auth;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;

void check(std::string_view token, const VerifierOptions& opts) {
  auto claims = verify_hs256(token, opts, kNow);
  if (!claims) {
    FUZZ_CHECK(!wire_code(claims.error()).empty());
    return;
  }
  // Reachable only with a correct signature: the seeds carry some.
  FUZZ_CHECK(!claims->sub.empty());
  FUZZ_CHECK(claims->exp > kNow);
  if (claims->nbf) FUZZ_CHECK(*claims->nbf <= kNow);
  if (opts.issuer) FUZZ_CHECK(claims->iss == opts.issuer);
  auto again = verify_hs256(sign_hs256(*claims, opts.secret), opts, kNow);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->sub == claims->sub && again->exp == claims->exp);
}

}  // namespace

// Each token is checked without and with iss/aud required.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  VerifierOptions opts;
  opts.secret = "fuzz-secret";
  check(token, opts);
  opts.issuer = "scansync";
  opts.audience = "devices";
  check(token, opts);
  return 0;
}
