#include "auth/api_keyring.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace scansync::auth {

ApiKeyring::ApiKeyring(const std::vector<std::string>& keys) {
  digests_.reserve(keys.size());
  for (const auto& key : keys) digests_.push_back(digest_of(key));
}

ApiKeyring::Digest ApiKeyring::digest_of(std::string_view text) {
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

std::optional<std::size_t> ApiKeyring::match(std::string_view presented) const {
  if (presented.empty() || digests_.empty()) return std::nullopt;
  const Digest d = digest_of(presented);
  std::optional<std::size_t> found;
  // Every digest is compared, matched or not: no early exit.
  for (std::size_t i = 0; i < digests_.size(); ++i) {
    const bool equal = CRYPTO_memcmp(d.data(), digests_[i].data(), d.size()) == 0;
    if (equal && !found) found = i;
  }
  return found;
}

}  // namespace scansync::auth
