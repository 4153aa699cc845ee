// The pieces of an HTTP request the gateway reads itself (Beast parses the
// message): the target, the Engine.IO query, the bearer token, the route,
// the web page's file name and headers, the Origin.
// Invariants: decoding never grows the text, the query's values are decoded
// from within the target, the route is one the server knows, a request
// with a sid routes to that session or to an error, never to a handshake, a
// file name never leaves the web root (no "..", hidden, absolute or NUL),
// and an origin's canonical form is canonical and not listed unless equal.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "gateway/cors_policy.h"
#include "gateway/engine_request.h"
#include "gateway/http_routes.h"
#include "gateway/web_files.h"

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
             route == Route::healthz || route == Route::readyz || route == Route::metrics ||
             route == Route::web_page || route == Route::not_found);

  if (auto file = web_file_path(target.path)) {
    FUZZ_CHECK(!file->empty() && file->front() != '/' && file->back() != '/');
    FUZZ_CHECK(file->find('\0') == std::string::npos && file->find('\\') == std::string::npos);
    FUZZ_CHECK(file->find("//") == std::string::npos);
    FUZZ_CHECK(file->front() != '.' && file->find("/.") == std::string::npos);
    FUZZ_CHECK(file->size() <= target.path.size() + std::string_view("index.html").size());
  }
  (void)content_type_of(text);
  (void)accepts_gzip(text);
  if (auto t = parse_http_date(text)) FUZZ_CHECK(parse_http_date(http_date(*t)) == t);

  if (auto origin = canonical_origin(text)) {
    auto again = canonical_origin(*origin);
    FUZZ_CHECK(again && *again == *origin);
    auto policy = CorsPolicy::from({*origin});
    FUZZ_CHECK(policy && policy->answer(text).allow_credentials);
    FUZZ_CHECK(!policy->answer(*origin + "x").allow_credentials);  // no prefix matches
  } else if (text != "*") {
    FUZZ_CHECK(!CorsPolicy::from({std::string(text)}));
  }

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
