// The pieces of an HTTP request the gateway reads itself (Beast parses the
// message): the target, the Engine.IO query, the bearer token, the route.
// Invariants: decoding never grows the text, the query's values are decoded
// from within the target, the route is one the server knows, and a request
// with a sid routes to that session or to an error, never to a handshake.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "gateway/engine_request.h"
#include "gateway/http_routes.h"

using namespace scansync::gateway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  FUZZ_CHECK(percent_decode(text).size() <= text.size());
  if (auto token = bearer_token(text)) {
    FUZZ_CHECK(!token->empty() && text.find(*token) != std::string_view::npos);
  }

  const Target target = split_target(text);
  FUZZ_CHECK(target.path.size() + target.query.size() <= text.size());
  const Route route = route_of(target.path, size % 2 == 1);
  FUZZ_CHECK(route == Route::engine || route == Route::raw_engine || route == Route::scans_api ||
             route == Route::healthz || route == Route::not_found);

  const auto query = parse_query(target.query);
  std::size_t decoded = 0;
  for (const auto& [k, v] : query) decoded += k.size() + v.size();
  FUZZ_CHECK(decoded <= target.query.size());

  for (const char* method : {"GET", "POST"}) {
    for (bool upgrade : {false, true}) {
      const auto r = route_engine_request(method, query, upgrade, [](std::string_view sid) -> std::optional<SessionFacts> {
        if (sid != "live") return std::nullopt;
        return SessionFacts{TransportKind::polling};
      });
      const auto sid = query.find("sid");
      if (sid != query.end() && !sid->second.empty()) FUZZ_CHECK(r.kind != EngineRoute::handshake);
      if (r.kind == EngineRoute::existing) FUZZ_CHECK(r.sid == "live");
      if (r.kind == EngineRoute::handshake) FUZZ_CHECK(std::string_view(method) == "GET");
      if (r.kind == EngineRoute::error) {
        FUZZ_CHECK(http_status_of(r.code) == 400 || http_status_of(r.code) == 403);
        FUZZ_CHECK(!error_body(r.code).empty());
      }
    }
  }
  return 0;
}
