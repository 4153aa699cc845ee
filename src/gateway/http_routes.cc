#include "gateway/http_routes.h"

#include <cctype>

#include "scansync/proto/json_text.h"

namespace scansync::gateway {

Route route_of(std::string_view path, bool conformance) {
  // The reference server matches its path as a prefix ("/socket.io/…").
  if (path.rfind("/socket.io/", 0) == 0 || path == "/socket.io") return Route::engine;
  if (conformance && (path.rfind("/engine.io/", 0) == 0 || path == "/engine.io")) return Route::raw_engine;
  if (path == "/api/scans" || path.rfind("/api/scans/", 0) == 0) return Route::scans_api;
  if (path == "/healthz") return Route::healthz;
  if (path == "/readyz") return Route::readyz;
  if (path == "/metrics") return Route::metrics;
  // The API's namespace and the protocol suites' path never fall through to files.
  if (path == "/api" || path.rfind("/api/", 0) == 0 || path == "/engine.io" || path.rfind("/engine.io/", 0) == 0) {
    return Route::not_found;
  }
  if (path.empty() || path.front() != '/') return Route::not_found;
  return Route::web_page;
}

std::optional<std::string> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return std::nullopt;
  }
  if (authorization[scheme.size()] != ' ') return std::nullopt;
  std::string_view token = authorization.substr(scheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

std::string api_error(std::string_view code, std::string_view message) {
  std::string body = R"({"error":{"code":)";
  body += json::quote(code);
  body += R"(,"message":)";
  body += json::quote(message);
  body += "}}";
  return body;
}

}  // namespace scansync::gateway
