#pragma once
// Who a REST request acts for. Two kinds of caller:
//   - a user: `Authorization: Bearer <jwt>`; acts for the token's `sub` and
//     never for anyone else (a Scansync-User header naming another user is
//     403 forbidden; naming the same user is allowed);
//   - a backend (an import job, a server-side scanner): `Authorization:
//     Bearer <server API key>` plus `Scansync-User: <user id>`; acts for that
//     user. Only when the gateway was given keys (--api-key-file); otherwise
//     a key is just a bearer token that is not a JWT (401 token_invalid).
// The bearer token is first compared with the keys (constant time, see
// ApiKeyring), then verified as a JWT, so a key never reaches the JWT
// parser's error paths and a JWT never matches a key.
// Sans-I/O: headers, verifier, keys and time in; a caller or a refusal out.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/api_keyring.h"
#include "gateway/http_routes.h"
#include "gateway/rate_limiter.h"
#include "scansync/auth/jwt.h"

namespace scansync::gateway {

struct RestCaller {
  std::string user;                    // whose scans the request reads and changes
  std::optional<std::size_t> api_key;  // set when a backend calls: the key's position in the key file
};

// An answer instead of the request: {"error":{"code","message"}} with `status`.
//   401 token_missing | token_invalid | token_expired (no or a bad token/key)
//   400 invalid  (a key without Scansync-User, with an id that is not one, or the header twice)
//   403 forbidden (a user's JWT with a Scansync-User naming another user)
struct RestRefusal {
  int status = 401;
  std::string code;
  std::string message;
};

using RestAuthentication = std::variant<RestCaller, RestRefusal>;

RestAuthentication authenticate_rest(const RestCredentials& credentials, const auth::VerifierOptions& verifier,
                                     const auth::ApiKeyring& api_keys, std::int64_t now_unix_s);

// How often a caller may call: a user's own requests (its JWT) share the
// user's bucket; a backend's share its key's bucket, whichever users it acts
// for. So an import is not throttled to one user's rate nor eats the user's
// own budget, and a runaway backend is bounded all the same. Time is an
// argument (tests drive it).
class RestRateLimits {
 public:
  // Requests a second on average and burst, per user and per key; a rate of 0 turns that limit off.
  RestRateLimits(double user_rate_per_s, double user_burst, double key_rate_per_s, double key_burst)
      : users_(user_rate_per_s, user_burst), keys_(key_rate_per_s, key_burst) {}
  // nullopt: go ahead (one token taken); else the 429 rate_limited refusal.
  std::optional<RestRefusal> admit(const RestCaller& caller, RateLimiter::Clock::time_point now);

 private:
  RateLimiter users_;
  RateLimiter keys_;
};

// A user id Scansync-User may name: 1 to 256 bytes of visible ASCII
// (0x21–0x7E: no spaces, no control or non-ASCII bytes, whose handling
// differs between HTTP stacks).
bool valid_acting_user(std::string_view user);

}  // namespace scansync::gateway
