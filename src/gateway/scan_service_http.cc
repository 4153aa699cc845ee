// ScanService's REST front end: /api/scans routing, query parsing, statuses.
//
//   GET    /api/scans[?limit=&cursor=]    200 {"scans":[Scan…],"latestSeq":N,"epoch":E,"nextCursor":C|null}
//   GET    /api/scans?since=n[&limit=m]   200 sync:since shape; 410 cursor_expired
//   POST   /api/scans                     201 Scan (created) | 200 Scan (id existed)
//   DELETE /api/scans/<id>                200 {"seq":n} | 404
// Errors: {"error":{"code","message"}}: 400 invalid_json | invalid, 403
// quota_exceeded, 404 not_found, 405 method_not_allowed, 410 cursor_expired,
// 413 payload_too_large, 500 internal, 503 unavailable.
#include <charconv>
#include <optional>

#include "gateway/scan_service.h"
#include "gateway/scan_service_json.h"
#include "gateway/scan_service_ops.h"

namespace scansync::gateway {
namespace {

constexpr std::string_view kCollection = "/api/scans";

Reply http_error(int status, std::string_view code, std::string_view message) {
  Json j;
  j["error"]["code"] = code;
  j["error"]["message"] = message;
  return Reply{status, to_text(j), {}, {}, {}, {}};
}

Reply http_failure(ops::Status status, const std::string& detail, std::error_code store_error) {
  Reply r;
  switch (status) {
    case ops::Status::invalid_json: return http_error(400, "invalid_json", "request body is not JSON");
    case ops::Status::invalid: return http_error(400, "invalid", detail);
    case ops::Status::quota_exceeded: return http_error(403, "quota_exceeded", detail);
    case ops::Status::not_found: return http_error(404, "not_found", "no such scan");
    case ops::Status::cursor_expired:
      return http_error(410, "cursor_expired", "since is older than the changes kept; refetch GET /api/scans");
    case ops::Status::unavailable:
      r = http_error(503, "unavailable", "the database is busy; retry later");
      break;
    case ops::Status::internal:
    case ops::Status::ok: r = http_error(500, "internal", "storage failure"); break;
  }
  r.store_error = store_error;
  return r;
}

// Value of `key` in a query string ("a=1&b=2"); the last occurrence wins.
// No percent-decoding: the only parameters are decimal integers.
std::optional<std::string_view> query_param(std::string_view query, std::string_view key) {
  std::optional<std::string_view> found;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) found = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return found;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Reply with_broadcast(Reply reply, bool broadcast, std::string_view event, std::string payload) {
  if (broadcast) {
    reply.broadcast_event = event;
    reply.broadcast_payload = std::move(payload);
  }
  return reply;
}

}  // namespace

Reply ScanService::batch_failure_http(std::error_code error) {
  return http_failure(ops::status_of(error) == ops::Status::unavailable ? ops::Status::unavailable
                                                                        : ops::Status::internal,
                      {}, error);
}

Reply ScanService::handle_http(std::string_view user, std::string_view method, std::string_view target,
                               std::string_view body) {
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query = qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  const bool collection = path == kCollection;
  const bool item = path.size() > kCollection.size() + 1 && path.substr(0, kCollection.size() + 1) == "/api/scans/" &&
                    path.find('/', kCollection.size() + 1) == std::string_view::npos;
  if (!collection && !item) return http_error(404, "not_found", "no such resource");
  if (body.size() > opts_.max_body_bytes) return http_error(413, "payload_too_large", "request body too large");

  if (item) {
    if (method != "DELETE") return http_error(405, "method_not_allowed", "use DELETE on /api/scans/<id>");
    auto r = ops::delete_scan(*store_, opts_, user, path.substr(kCollection.size() + 1));
    if (r.status != ops::Status::ok) return http_failure(r.status, r.detail, r.error);
    Json j;
    j["seq"] = *r.scan.deleted_seq;
    return with_broadcast(Reply{200, to_text(j), {}, {}, {}, {}}, r.deleted_now, "scan:deleted",
                          to_text(deleted_event_json(r.scan)));
  }

  if (method == "POST") {
    auto r = ops::create_scan(*store_, opts_, user, body);
    if (r.status != ops::Status::ok) return http_failure(r.status, r.detail, r.error);
    std::string scan = to_text(scan_json(r.scan));
    Reply reply{r.created ? 201 : 200, scan, {}, {}, {}, {}};
    return with_broadcast(std::move(reply), r.created, "scan:created", std::move(scan));
  }
  if (method != "GET") return http_error(405, "method_not_allowed", "use GET or POST on /api/scans");

  const auto since = query_param(query, "since");
  std::int64_t limit = ops::kDefaultPageLimit;
  const auto limit_text = query_param(query, "limit");
  if (limit_text) {
    const auto v = parse_int(*limit_text);
    if (!v) return http_error(400, "invalid", "limit: not an integer");
    limit = *v;
  }
  if (!since) {
    // The list refuses a limit below 1 (the feed clamps it, as sync:since does).
    if (limit < 1) return http_error(400, "invalid", "limit: below 1");
    std::optional<std::int64_t> before;
    if (const auto cursor = query_param(query, "cursor")) {
      before = parse_list_cursor(*cursor);
      if (!before) return http_error(400, "invalid", "cursor: not a nextCursor of this list");
    }
    auto r = ops::list_scans(*store_, opts_, user, before, limit);
    if (r.status != ops::Status::ok) return http_failure(r.status, r.detail, r.error);
    return Reply{200, to_text(live_page_json(r.page)), {}, {}, {}, {}};
  }
  const auto since_v = parse_int(*since);
  if (!since_v || *since_v < 0) return http_error(400, "invalid", "since: not a non-negative integer");
  auto r = ops::sync_since(*store_, opts_, user, *since_v, limit);
  if (r.status != ops::Status::ok) return http_failure(r.status, r.detail, r.error);
  return Reply{200, to_text(change_page_json(r.page)), {}, {}, {}, {}};
}

}  // namespace scansync::gateway
