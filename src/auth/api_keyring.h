#pragma once
// The server API keys a gateway accepts, held as SHA-256 digests, and the
// comparison of a presented bearer token against them.
//
// Timing: match() hashes the presented token once and compares its digest
// with every key's digest (CRYPTO_memcmp, no early exit), so how long it
// takes depends on neither the content nor the length of any key, nor on
// which key (if any) matched; only on the number of keys.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scansync::auth {

class ApiKeyring {
 public:
  ApiKeyring() = default;  // no keys: match() never matches
  explicit ApiKeyring(const std::vector<std::string>& keys);

  bool empty() const { return digests_.empty(); }
  std::size_t size() const { return digests_.size(); }
  // The position (0-based, in the order given) of the key equal to
  // `presented`; nullopt when none is. An empty `presented` never matches.
  std::optional<std::size_t> match(std::string_view presented) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest digest_of(std::string_view text);
  std::vector<Digest> digests_;
};

}  // namespace scansync::auth
