// The verdict is always the verifier's (auth::verify_hs256, the gateway's own
// checks). The payload is read here only to word the reason; nothing read
// from an unverified payload ever makes a token valid.
#include "cli/token_check.h"

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "auth/base64url.h"

namespace scansync::cli {
namespace {

using nlohmann::json;

// A token's header or payload as a JSON object, or nullopt.
std::optional<json> segment_object(std::string_view token, int index) {
  std::size_t begin = 0;
  for (int i = 0; i < index; ++i) {
    begin = token.find('.', begin);
    if (begin == std::string_view::npos) return std::nullopt;
    ++begin;
  }
  const auto end = token.find('.', begin);
  auto raw = auth::base64url_decode(token.substr(begin, end == std::string_view::npos ? end : end - begin));
  if (!raw) return std::nullopt;
  json j = json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::optional<std::int64_t> number_claim(const json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_number()) return std::nullopt;
  const double d = it->get<double>();
  if (!std::isfinite(d) || std::fabs(d) > 9e18) return std::nullopt;
  return static_cast<std::int64_t>(std::floor(d));
}

std::string json_text(const json& v) { return v.dump(); }

std::string duration_text(std::int64_t s) {
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

// token_invalid covers many causes; name the first one that applies, in the
// verifier's own order (structure, header, signature, claims, iss/aud).
std::string invalid_reason(std::string_view token, const auth::VerifierOptions& opts, std::int64_t now) {
  const std::string code = "token_invalid: ";
  std::size_t dots = 0;
  for (char ch : token) dots += ch == '.';
  auto header = segment_object(token, 0);
  auto payload = segment_object(token, 1);
  if (dots != 2 || !header || !payload) {
    return code + "not a JWT (expected header.payload.signature, each base64url, the first two JSON objects)";
  }
  auto alg = header->find("alg");
  if (alg == header->end() || *alg != "HS256") {
    return code + "alg " + (alg == header->end() ? std::string("missing") : json_text(*alg)) + " is refused (only HS256)";
  }
  if (header->contains("crit")) return code + "header has \"crit\" (no extension is supported)";

  // Without iss/aud/lifetime requirements, a token still refused as invalid
  // has a bad signature or lacks sub/exp.
  auth::VerifierOptions relaxed;
  relaxed.secret = opts.secret;
  auto loose = auth::verify_hs256(token, relaxed, now);
  if (!loose && loose.error() == auth::errc::token_invalid) {
    auto sub = payload->find("sub");
    const bool sub_ok = sub != payload->end() && sub->is_string() && !sub->get_ref<const std::string&>().empty();
    if (sub_ok && number_claim(*payload, "exp")) {
      return code + "bad signature (not signed with this secret, or altered)";
    }
    if (!sub_ok) return code + "claim sub missing, empty or not a string (or bad signature)";
    return code + "claim exp missing or not a number (or bad signature)";
  }
  if (opts.issuer) {
    auto iss = payload->find("iss");
    if (iss == payload->end()) return code + "iss missing, required " + json_text(json(*opts.issuer));
    if (*iss != *opts.issuer) return code + "iss " + json_text(*iss) + " is not the required " + json_text(json(*opts.issuer));
  }
  if (opts.audience) {
    auto aud = payload->find("aud");
    if (aud == payload->end()) return code + "aud missing, required " + json_text(json(*opts.audience));
    return code + "aud " + json_text(*aud) + " does not hold the required " + json_text(json(*opts.audience));
  }
  return code + "refused by the verifier";
}

std::string refusal(std::error_code ec, std::string_view token, const auth::VerifierOptions& opts, std::int64_t now) {
  const json payload = segment_object(token, 1).value_or(json::object());
  const auto exp = number_claim(payload, "exp");
  const auto nbf = number_claim(payload, "nbf");
  const auto iat = number_claim(payload, "iat");
  if (ec == auth::errc::token_missing) return "token_missing: the token is empty";
  if (ec == auth::errc::token_expired && exp) {
    return "token_expired: exp " + utc_text(*exp) + " is in the past (now " + utc_text(now) + ")";
  }
  if (ec == auth::errc::token_not_yet_valid && nbf) {
    return "token_not_yet_valid: nbf " + utc_text(*nbf) + " is in the future (now " + utc_text(now) + ")";
  }
  if (ec == auth::errc::token_lifetime_exceeded && exp) {
    const bool from_iat = iat && *exp - *iat > opts.max_lifetime_s;
    const std::int64_t life = from_iat ? *exp - *iat : *exp - now;
    return "token_lifetime_exceeded: " + std::string(from_iat ? "exp - iat" : "exp - now") + " is " +
           duration_text(life) + ", above the maximum " + duration_text(opts.max_lifetime_s) +
           " (--max-token-ttl)";
  }
  if (ec == auth::errc::token_invalid) return invalid_reason(token, opts, now);
  return "token_invalid: " + ec.message();
}

}  // namespace

std::string utc_text(std::int64_t unix_s) {
  const std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  char buf[32];
  if (!::gmtime_r(&t, &tm) || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(unix_s);
  }
  return buf;
}

TokenVerdict check_token(std::string_view token, const auth::VerifierOptions& opts, std::int64_t now_unix_s) {
  auto claims = auth::verify_hs256(token, opts, now_unix_s);
  if (!claims) return {false, refusal(claims.error(), token, opts, now_unix_s)};
  nlohmann::ordered_json j;
  j["sub"] = claims->sub;
  if (claims->iat) j["iat"] = *claims->iat;
  if (claims->nbf) j["nbf"] = *claims->nbf;
  j["exp"] = claims->exp;
  if (claims->iss) j["iss"] = *claims->iss;
  if (claims->aud) j["aud"] = *claims->aud;
  return {true, j.dump()};
}

}  // namespace scansync::cli
