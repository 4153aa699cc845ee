// JWT HS256 verification and signing.
//
// Order of checks matters: structure and header first, then the signature,
// and only then the claims, so that an unsigned or forged token never gets a
// more specific answer than token_invalid (token_expired tells the client to
// fetch a fresh token, which only makes sense for a token we issued).
#include "scansync/auth/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "auth/base64url.h"

namespace scansync::auth {
namespace {

using nlohmann::json;

class AuthCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.auth"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::token_missing: return "token missing";
      case errc::token_invalid: return "token invalid";
      case errc::token_expired: return "token expired";
      case errc::token_not_yet_valid: return "token not yet valid";
      case errc::token_lifetime_exceeded: return "token lifetime above the gateway's maximum";
      case errc::secret_file_error: return "secret file unreadable, empty or not creatable";
    }
    return "unknown auth error";
  }
};

constexpr std::size_t kSha256Bytes = 32;

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // HMAC() with a null key pointer is fine for len 0, but pass a valid pointer anyway.
  static const unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// A JSON number usable as a NumericDate (RFC 7519 §2): integer, or a finite
// float (fractional seconds are truncated toward negative infinity).
std::optional<std::int64_t> numeric_date(const json& v) {
  // is_number_integer() is also true for unsigned values: test unsigned first.
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d >= 9.2e18 || d <= -9.2e18) return std::nullopt;
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

std::optional<json> parse_object(std::string_view segment) {
  auto raw = base64url_decode(segment);
  if (!raw) return std::nullopt;
  json j = json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

bool header_ok(const json& h) {
  auto alg = h.find("alg");
  if (alg == h.end() || !alg->is_string() || alg->get<std::string>() != "HS256") return false;
  if (auto typ = h.find("typ"); typ != h.end() && !typ->is_string()) return false;
  // "crit" names extensions the verifier must understand; we understand none.
  if (h.contains("crit")) return false;
  return true;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  if (b > 0 && a > std::numeric_limits<std::int64_t>::max() - b) return std::numeric_limits<std::int64_t>::max();
  if (b < 0 && a < std::numeric_limits<std::int64_t>::min() - b) return std::numeric_limits<std::int64_t>::min();
  return a + b;
}

}  // namespace

const std::error_category& category() {
  static const AuthCategory c;
  return c;
}

std::string_view wire_code(std::error_code ec) {
  if (ec == errc::token_missing) return "token_missing";
  if (ec == errc::token_expired) return "token_expired";
  return "token_invalid";
}

Result<Claims> verify_hs256(std::string_view token, const VerifierOptions& opts, std::int64_t now_unix_s) {
  if (token.empty()) return errc::token_missing;
  if (opts.secret.empty()) return errc::token_invalid;  // an empty key would accept anyone's forgery

  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return errc::token_invalid;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return errc::token_invalid;
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sig_b64 = token.substr(dot2 + 1);
  if (header_b64.empty() || payload_b64.empty() || sig_b64.empty()) return errc::token_invalid;

  auto header = parse_object(header_b64);
  if (!header || !header_ok(*header)) return errc::token_invalid;

  auto sig = base64url_decode(sig_b64);
  if (!sig || sig->size() != kSha256Bytes) return errc::token_invalid;
  const std::string expected = hmac_sha256(opts.secret, token.substr(0, dot2));
  if (CRYPTO_memcmp(expected.data(), sig->data(), kSha256Bytes) != 0) return errc::token_invalid;

  auto payload = parse_object(payload_b64);
  if (!payload) return errc::token_invalid;
  const json& p = *payload;

  Claims c;
  auto sub = p.find("sub");
  if (sub == p.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) return errc::token_invalid;
  c.sub = sub->get<std::string>();

  auto exp = p.find("exp");
  if (exp == p.end()) return errc::token_invalid;
  auto exp_v = numeric_date(*exp);
  if (!exp_v) return errc::token_invalid;
  c.exp = *exp_v;

  if (auto it = p.find("iat"); it != p.end()) {
    auto v = numeric_date(*it);
    if (!v) return errc::token_invalid;
    c.iat = *v;
  }
  if (auto it = p.find("nbf"); it != p.end()) {
    auto v = numeric_date(*it);
    if (!v) return errc::token_invalid;
    c.nbf = *v;
  }
  if (auto it = p.find("iss"); it != p.end()) {
    if (!it->is_string()) return errc::token_invalid;
    c.iss = it->get<std::string>();
  }
  std::vector<std::string> audiences;
  if (auto it = p.find("aud"); it != p.end()) {
    if (it->is_string()) {
      audiences.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& a : *it) {
        if (!a.is_string()) return errc::token_invalid;
        audiences.push_back(a.get<std::string>());
      }
    } else {
      return errc::token_invalid;
    }
  }

  if (opts.issuer && c.iss != opts.issuer) return errc::token_invalid;
  if (opts.audience) {
    bool found = false;
    for (const auto& a : audiences) found = found || a == *opts.audience;
    if (!found) return errc::token_invalid;
    c.aud = *opts.audience;
  } else if (!audiences.empty()) {
    c.aud = audiences.front();
  }

  const std::int64_t leeway = opts.leeway_s < 0 ? 0 : opts.leeway_s;
  // RFC 7519 §4.1.4: valid only while now < exp.
  if (now_unix_s >= saturating_add(c.exp, leeway)) return errc::token_expired;
  if (c.nbf && saturating_add(now_unix_s, leeway) < *c.nbf) return errc::token_not_yet_valid;
  if (opts.max_lifetime_s > 0) {
    // exp > from + cap, saturated: exp and iat are arbitrary 64-bit claims.
    const auto too_long_from = [&](std::int64_t from) { return c.exp > saturating_add(from, opts.max_lifetime_s); };
    if (too_long_from(now_unix_s) || (c.iat && too_long_from(*c.iat))) return errc::token_lifetime_exceeded;
  }
  return c;
}

std::string sign_hs256(const Claims& claims, std::string_view secret) {
  const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  nlohmann::ordered_json p;
  p["sub"] = claims.sub;
  if (claims.iss) p["iss"] = *claims.iss;
  if (claims.aud) p["aud"] = *claims.aud;
  if (claims.iat) p["iat"] = *claims.iat;
  if (claims.nbf) p["nbf"] = *claims.nbf;
  p["exp"] = claims.exp;
  std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(p.dump());
  const std::string sig = hmac_sha256(secret, signing_input);
  return signing_input + "." + base64url_encode(sig);
}

}  // namespace scansync::auth
