#include "harness/jwt_mint.h"

#include "scansync/auth/jwt.h"

namespace scansync::interop {

std::string mint_jwt(const JwtClaims& claims, const std::string& secret) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auth::Claims c;
  c.sub = claims.sub;
  c.iat = now;
  c.exp = now + claims.ttl.count();
  return auth::sign_hs256(c, secret);
}

}  // namespace scansync::interop
