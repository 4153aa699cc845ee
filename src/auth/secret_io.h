#pragma once
// What the secret files (secret_file.cc, api_key_file.cc) share: fresh random
// text for a secret, and writing a whole buffer to a descriptor.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace scansync::auth {

// `bytes` bytes from OpenSSL's CSPRNG as lower-case hex (2 × bytes
// characters); nullopt when the generator fails.
std::optional<std::string> random_hex(std::size_t bytes);

// Writes all of `data` to `fd`, retrying short writes and EINTR; false on any
// other error (errno says which).
bool write_all(int fd, std::string_view data);

}  // namespace scansync::auth
