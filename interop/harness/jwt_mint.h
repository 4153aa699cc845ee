#pragma once
// Mints HS256 JWTs for the interop tests with src/auth's signer. The peer
// that verifies them is the Node reference server (node:crypto), so the
// signer is still checked against an independent implementation.
#include <chrono>
#include <string>

namespace scansync::interop {

struct JwtClaims {
  std::string sub = "alice";
  std::chrono::seconds ttl{600};  // exp = now + ttl (negative: already expired)
};

std::string mint_jwt(const JwtClaims& claims, const std::string& secret = "interop-secret");

}  // namespace scansync::interop
