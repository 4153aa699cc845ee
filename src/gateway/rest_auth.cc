#include "gateway/rest_auth.h"

namespace scansync::gateway {
namespace {

constexpr std::size_t kMaxActingUserBytes = 256;

RestRefusal refuse(int status, std::string_view code, std::string_view message) {
  return RestRefusal{status, std::string(code), std::string(message)};
}

}  // namespace

bool valid_acting_user(std::string_view user) {
  if (user.empty() || user.size() > kMaxActingUserBytes) return false;
  for (char c : user) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

RestAuthentication authenticate_rest(const RestCredentials& credentials, const auth::VerifierOptions& verifier,
                                     const auth::ApiKeyring& api_keys, std::int64_t now_unix_s) {
  const auto token = bearer_token(credentials.authorization);
  // Which of two values counts would depend on the HTTP stack in front: neither does.
  const auto ambiguous = [&] {
    return refuse(400, "invalid", std::string(kActingUserHeader) + ": given more than once");
  };

  if (token) {
    if (const auto key = api_keys.match(*token)) {
      if (credentials.acting_user_count == 0) {
        return refuse(400, "invalid",
                      std::string(kActingUserHeader) + ": missing; a server API key acts for the user it names");
      }
      if (credentials.acting_user_count > 1) return ambiguous();
      if (!valid_acting_user(credentials.acting_user)) {
        return refuse(400, "invalid",
                      std::string(kActingUserHeader) + ": not a user id (1 to 256 visible ASCII characters)");
      }
      return RestCaller{std::string(credentials.acting_user), key};
    }
  }

  auto claims = auth::verify_hs256(token ? *token : std::string_view{}, verifier, now_unix_s);
  if (!claims) return refuse(401, auth::wire_code(claims.error()), "unauthorized");
  if (credentials.acting_user_count > 1) return ambiguous();
  if (credentials.acting_user_count == 1 && credentials.acting_user != claims->sub) {
    return refuse(403, "forbidden",
                  "a user's token acts only for its own user; " + std::string(kActingUserHeader) + " names another");
  }
  return RestCaller{std::move(claims->sub), std::nullopt};
}

std::optional<RestRefusal> RestRateLimits::admit(const RestCaller& caller, RateLimiter::Clock::time_point now) {
  if (caller.api_key) {
    // Keys and users live in different limiters: no user id can collide with a key's name.
    if (keys_.allow(std::to_string(*caller.api_key), now)) return std::nullopt;
    return refuse(429, "rate_limited", "too many requests with this API key; retry later");
  }
  if (users_.allow(caller.user, now)) return std::nullopt;
  return refuse(429, "rate_limited", "too many requests for this user; retry later");
}

}  // namespace scansync::gateway
