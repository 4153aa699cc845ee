#pragma once
// base64url (RFC 4648 §5) without padding, as JWT uses it.
#include <optional>
#include <string>
#include <string_view>

namespace scansync::auth {

std::string base64url_encode(std::string_view bytes);

// Strict: only the url-safe alphabet, no '=' padding, no whitespace, no
// impossible length (len % 4 == 1), and the unused low bits of the last
// character must be zero, so every byte string has exactly one accepted
// encoding (a JWT signature cannot be altered without changing its bytes).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace scansync::auth
