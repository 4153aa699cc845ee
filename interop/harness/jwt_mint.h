#pragma once
// Mints HS256 JWTs for the interop tests, independent of src/auth so that the
// tests check the gateway's verifier and the reference server alike.
#include <chrono>
#include <string>

namespace scansync::interop {

struct JwtClaims {
  std::string sub = "alice";
  std::chrono::seconds ttl{600};  // exp = now + ttl (negative: already expired)
};

std::string base64url(const std::string& bytes);
std::string mint_jwt(const JwtClaims& claims, const std::string& secret = "interop-secret");

}  // namespace scansync::interop
