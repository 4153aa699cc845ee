#pragma once
// Which handler an HTTP request goes to, and the small pieces of HTTP the
// REST API needs (bearer token, JSON error bodies). No I/O.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace scansync::gateway {

enum class Route {
  engine,     // /socket.io/: Engine.IO (polling, WebSocket) carrying Socket.IO
  raw_engine, // /engine.io/: bare Engine.IO echo (conformance mode only)
  scans_api,  // /api/scans, /api/scans/<id>
  healthz,    // /healthz
  readyz,     // /readyz: the store takes writes (readiness.h)
  metrics,    // /metrics: Prometheus text format
  web_page,   // any other absolute path outside /api: a file of the web root
  not_found,
};

Route route_of(std::string_view path, bool conformance);

// "Bearer <token>" (scheme case-insensitive) → the token; anything else → nullopt.
std::optional<std::string> bearer_token(std::string_view authorization);

// The header naming the user a server API key acts for (see rest_auth.h).
constexpr std::string_view kActingUserHeader = "Scansync-User";

// What a REST request says about who makes it: its Authorization header and
// its Scansync-User header(s), as the HTTP adapter found them. Views into the
// request, valid while it is.
struct RestCredentials {
  std::string_view authorization;
  std::size_t acting_user_count = 0;  // how many Scansync-User fields the request has
  std::string_view acting_user;       // the first one's value
};

// {"error":{"code":"...","message":"..."}}
std::string api_error(std::string_view code, std::string_view message);

struct HttpAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string user;  // the authenticated caller, for the access log; empty when refused before
};

}  // namespace scansync::gateway
