#include "scans/scan_requests.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "scans/scan_json.h"
#include "scans/scan_validation.h"

namespace scansync::scans {
namespace {

using Front = ScanRequest::Front;
using Kind = ScanRequest::Kind;
// What became of a request, before it is worded for its front end (one
// switch per front; `detail` is only shown, never decided on).
enum class Status {
  ok,
  invalid,         // detail says why
  invalid_json,    // the payload / body is not JSON at all
  not_found,
  cursor_expired,
  quota_exceeded,
  unavailable,     // the store cannot be reached or is locked; retry later
  internal,        // the store failed
};

// sync:since and the list without a limit.
constexpr std::int64_t kDefaultPageLimit = 100;

constexpr std::string_view kCollection = "/api/scans";

Reply ack(const Json& body) { return Reply{200, to_text(body), {}, {}, {}, 0, {}, {}}; }

Reply ack_error(std::string_view error, std::string_view detail = {}) {
  Json j;
  j["ok"] = false;
  j["error"] = error;
  if (!detail.empty()) j["detail"] = detail;
  Reply r = ack(j);
  r.error = error;
  return r;
}

Reply http_error(int status, std::string_view code, std::string_view message) {
  Json j;
  j["error"]["code"] = code;
  j["error"]["message"] = message;
  return Reply{status, to_text(j), {}, {}, {}, 0, {}, {}};
}

// One switch per front end over the typed status; `detail` is only shown.
Reply failure(Front front, Status status, const std::string& detail) {
  if (front == Front::socket) {
    switch (status) {
      case Status::invalid:
      case Status::invalid_json: return ack_error("invalid", detail);
      case Status::not_found: return ack_error("not_found");
      case Status::cursor_expired: return ack_error("cursor_expired");
      case Status::quota_exceeded: return ack_error("quota_exceeded");
      case Status::unavailable: return ack_error("unavailable");
      case Status::internal:
      case Status::ok: return ack_error("internal");
    }
  }
  switch (status) {
    case Status::invalid_json: return http_error(400, "invalid_json", "request body is not JSON");
    case Status::invalid: return http_error(400, "invalid", detail);
    case Status::quota_exceeded: return http_error(403, "quota_exceeded", detail);
    case Status::not_found: return http_error(404, "not_found", "no such scan");
    case Status::cursor_expired:
      return http_error(410, "cursor_expired", "since is older than the changes kept; refetch GET /api/scans");
    case Status::unavailable: return http_error(503, "unavailable", "the store is unavailable; retry later");
    case Status::internal:
    case Status::ok: break;
  }
  return http_error(500, "internal", "storage failure");
}

Status status_of(scans::RepositoryErrc code) {
  switch (code) {
    case scans::RepositoryErrc::unavailable: return Status::unavailable;
    case scans::RepositoryErrc::internal: return Status::internal;
    case scans::RepositoryErrc::invalid: return Status::invalid;
    case scans::RepositoryErrc::quota_exceeded: return Status::quota_exceeded;
    case scans::RepositoryErrc::not_found: return Status::not_found;
    case scans::RepositoryErrc::cursor_expired: return Status::cursor_expired;
  }
  return Status::internal;
}

Reply repository_failure(const RequestOptions& opts, Front front, const scans::RepositoryError& e) {
  const Status status = status_of(e.code);
  std::string detail = e.detail;
  if (status == Status::quota_exceeded) {
    detail = "the user holds " + std::to_string(opts.max_scans_per_user) + " scans, the most allowed; delete some first";
  }
  Reply r = failure(front, status, detail);
  if (status == Status::unavailable || status == Status::internal) {
    r.store_error = e.cause;
    r.store_detail = e.detail.empty() ? std::string(scans::name_of(e.code)) : e.detail;
  }
  return r;
}

ScanRequest refused(Front front, Kind kind, Reply reply) {
  ScanRequest r;
  r.front = front;
  r.kind = kind;
  r.refused = std::move(reply);
  return r;
}

ScanRequest wants(Front front, Kind kind, scans::Operation op) {
  ScanRequest r;
  r.front = front;
  r.kind = kind;
  r.op = std::move(op);
  return r;
}

std::size_t page_limit(const RequestOptions& opts, std::int64_t limit) {
  const auto max_page = static_cast<std::int64_t>(std::max<std::size_t>(opts.max_page, 1));
  return static_cast<std::size_t>(std::clamp<std::int64_t>(limit, 1, max_page));
}

std::size_t page_bytes(const RequestOptions& opts) {
  return opts.max_page_bytes == 0 ? scans::kNoByteLimit : opts.max_page_bytes;
}

ScanRequest parse_create(const RequestOptions& opts, Front front, std::string_view user, std::string_view payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return refused(front, Kind::create, failure(front, Status::invalid_json, "payload: not JSON"));
  scans::NewScan scan;
  if (auto why = validate_new_scan(json, opts.max_code_bytes, scan); !why.empty()) {
    return refused(front, Kind::create, failure(front, Status::invalid, why));
  }
  return wants(front, Kind::create, scans::CreateScan{std::string(user), std::move(scan)});
}

ScanRequest parse_remove(Front front, std::string_view user, std::string_view id, std::int64_t now_ms) {
  const auto canonical = canonical_uuid_v4(id);
  if (!canonical) return refused(front, Kind::remove, failure(front, Status::invalid, "id: not a UUID v4"));
  return wants(front, Kind::remove, scans::RemoveScan{std::string(user), *canonical, now_ms});
}

ScanRequest parse_sync(const RequestOptions& opts, Front front, std::string_view user, std::int64_t since,
                       std::int64_t limit) {
  if (since < 0) return refused(front, Kind::sync, failure(front, Status::invalid, "seq: negative"));
  return wants(front, Kind::sync,
               scans::ChangesSince{std::string(user), since, page_limit(opts, limit), page_bytes(opts)});
}

// Optional integer member; false when present but not an integer.
bool int_member(const nlohmann::json& obj, const char* name, std::optional<std::int64_t>& out) {
  auto it = obj.find(name);
  if (it == obj.end()) return true;
  if (!it->is_number_integer()) return false;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return false;
  out = it->get<std::int64_t>();
  return true;
}

// Value of `key` in a query string ("a=1&b=2"); the last occurrence wins.
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

void announce(Reply& reply, std::string_view event, std::string payload, std::int64_t seq) {
  reply.broadcast_event = event;
  reply.broadcast_payload = std::move(payload);
  reply.broadcast_seq = seq;
}

Reply render_created(Front front, const scans::Created& c) {
  const Json scan = scan_json(c.scan);
  Reply reply;
  if (front == Front::socket) {
    Json body;
    body["ok"] = true;
    body["scan"] = scan;
    // Extension: a create of an id deleted meanwhile says so.
    if (c.scan.deleted()) body["deletedSeq"] = *c.scan.deleted_seq;
    reply = ack(body);
  } else {
    reply = Reply{c.existing ? 200 : 201, to_text(scan), {}, {}, {}, 0, {}, {}};
  }
  if (!c.existing) announce(reply, "scan:created", to_text(scan), c.scan.seq);
  return reply;
}

Reply render_removed(Front front, const scans::Removed& r) {
  Json j;
  if (front == Front::socket) j["ok"] = true;
  j["seq"] = *r.tombstone.deleted_seq;
  Reply reply = front == Front::socket ? ack(j) : Reply{200, to_text(j), {}, {}, {}, 0, {}, {}};
  if (!r.already_deleted) {
    announce(reply, "scan:deleted", to_text(deleted_event_json(r.tombstone)), *r.tombstone.deleted_seq);
  }
  return reply;
}

Reply render_changes(Front front, const scans::ChangePage& page) {
  Json j = change_page_json(page);
  if (front == Front::rest) return Reply{200, to_text(j), {}, {}, {}, 0, {}, {}};
  return ack(j);
}

}  // namespace

ScanRequest parse_event(const RequestOptions& opts, std::string_view user, std::string_view event,
                        std::string_view payload, std::int64_t now_ms) {
  constexpr Front front = Front::socket;
  if (event == "scan:create") return parse_create(opts, front, user, payload);
  const Kind kind = event == "scan:delete" ? Kind::remove : Kind::sync;
  if (event != "scan:delete" && event != "sync:since") return refused(front, kind, ack_error("unknown_event"));
  const auto json = nlohmann::json::parse(payload, nullptr, false);
  if (json.is_discarded()) return refused(front, kind, ack_error("invalid", "payload: not JSON"));
  if (!json.is_object()) return refused(front, kind, ack_error("invalid", "payload: not an object"));
  if (kind == Kind::remove) {
    auto id = json.find("id");
    if (id == json.end()) return refused(front, kind, ack_error("invalid", "id: missing"));
    if (!id->is_string()) return refused(front, kind, ack_error("invalid", "id: not a UUID v4"));
    return parse_remove(front, user, id->get_ref<const std::string&>(), now_ms);
  }
  std::optional<std::int64_t> seq, limit;
  if (!int_member(json, "seq", seq)) return refused(front, kind, ack_error("invalid", "seq: not an integer"));
  if (!seq) return refused(front, kind, ack_error("invalid", "seq: missing"));
  if (!int_member(json, "limit", limit)) return refused(front, kind, ack_error("invalid", "limit: not an integer"));
  return parse_sync(opts, front, user, *seq, limit.value_or(kDefaultPageLimit));
}

ScanRequest parse_rest(const RequestOptions& opts, std::string_view user, std::string_view method,
                       std::string_view target, std::string_view body, std::int64_t now_ms) {
  constexpr Front front = Front::rest;
  const auto qmark = target.find('?');
  const std::string_view path = target.substr(0, qmark);
  const std::string_view query = qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  const bool collection = path == kCollection;
  const bool item = path.size() > kCollection.size() + 1 && path.substr(0, kCollection.size() + 1) == "/api/scans/" &&
                    path.find('/', kCollection.size() + 1) == std::string_view::npos;
  if (!collection && !item) return refused(front, Kind::list, http_error(404, "not_found", "no such resource"));
  if (body.size() > opts.max_body_bytes) {
    return refused(front, Kind::create, http_error(413, "payload_too_large", "request body too large"));
  }
  if (item) {
    if (method != "DELETE") {
      return refused(front, Kind::remove, http_error(405, "method_not_allowed", "use DELETE on /api/scans/<id>"));
    }
    return parse_remove(front, user, path.substr(kCollection.size() + 1), now_ms);
  }
  if (method == "POST") return parse_create(opts, front, user, body);
  if (method != "GET") {
    return refused(front, Kind::list, http_error(405, "method_not_allowed", "use GET or POST on /api/scans"));
  }
  const auto since = query_param(query, "since");
  std::int64_t limit = kDefaultPageLimit;
  if (const auto limit_text = query_param(query, "limit")) {
    const auto v = parse_int(*limit_text);
    if (!v) return refused(front, Kind::list, http_error(400, "invalid", "limit: not an integer"));
    limit = *v;
  }
  if (!since) {
    // The list refuses a limit below 1 (the feed clamps it, as sync:since does).
    if (limit < 1) return refused(front, Kind::list, http_error(400, "invalid", "limit: below 1"));
    std::optional<std::int64_t> before;
    if (const auto cursor = query_param(query, "cursor")) {
      before = parse_list_cursor(*cursor);
      if (!before) return refused(front, Kind::list, http_error(400, "invalid", "cursor: not a nextCursor of this list"));
    }
    return wants(front, Kind::list,
                 scans::ListLive{std::string(user), before, page_limit(opts, limit), page_bytes(opts)});
  }
  const auto since_v = parse_int(*since);
  if (!since_v || *since_v < 0) {
    return refused(front, Kind::sync, http_error(400, "invalid", "since: not a non-negative integer"));
  }
  return parse_sync(opts, front, user, *since_v, limit);
}

Reply render(const RequestOptions& opts, const ScanRequest& request, const scans::OperationResult& result,
             std::string_view epoch) {
  if (request.refused) return *request.refused;
  if (const auto* e = std::get_if<scans::RepositoryError>(&result)) {
    if (e->code == RepositoryErrc::cursor_expired && request.front == Front::socket && request.kind == Kind::sync &&
        !epoch.empty()) {
      // It carries the epoch like every sync:since reply: the client resets
      // to this history, so a later restore (another epoch) is seen as a
      // reset too. Without it the client held no epoch, adopted the next one
      // it saw as its first, and never re-sent the scans acked in between
      // (found by scansync-sim, seed 31).
      Json j;
      j["ok"] = false;
      j["error"] = "cursor_expired";
      j["epoch"] = epoch;
      Reply r = ack(j);
      r.error = "cursor_expired";
      return r;
    }
    return repository_failure(opts, request.front, *e);
  }
  if (const auto* c = std::get_if<scans::Created>(&result)) return render_created(request.front, *c);
  if (const auto* r = std::get_if<scans::Removed>(&result)) return render_removed(request.front, *r);
  if (const auto* p = std::get_if<scans::ChangePage>(&result)) return render_changes(request.front, *p);
  if (const auto* l = std::get_if<scans::LivePage>(&result)) return Reply{200, to_text(live_page_json(*l)), {}, {}, {}, 0, {}, {}};
  return repository_failure(opts, request.front, scans::RepositoryError{scans::RepositoryErrc::internal,
                                                                         "unexpected result", {}});
}

Reply render_failure(ScanRequest::Front front, const scans::RepositoryError& error) {
  Reply r = failure(front, error.code == scans::RepositoryErrc::unavailable ? Status::unavailable : Status::internal, {});
  r.store_error = error.cause;
  r.store_detail = error.detail.empty() ? std::string(scans::name_of(error.code)) : error.detail;
  return r;
}

}  // namespace scansync::scans
