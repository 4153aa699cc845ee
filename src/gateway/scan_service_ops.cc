#include "gateway/scan_service_ops.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "gateway/scan_service_validation.h"

namespace scansync::gateway::ops {
namespace {

std::int64_t now_ms(const ServiceOptions& opts) {
  if (opts.now_unix_ms) return opts.now_unix_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CreateOutcome create_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return {Status::invalid, "payload: not JSON", false, {}};
  store::NewScan scan;
  if (auto why = validate_new_scan(json, opts.max_code_bytes, scan); !why.empty()) {
    return {Status::invalid, std::move(why), false, {}};
  }
  auto r = store.create(user, scan);
  if (!r.ok()) return {Status::internal, r.error().message(), false, {}};
  switch (r->outcome) {
    case store::CreateOutcome::created: return {Status::ok, {}, true, std::move(r->scan)};
    case store::CreateOutcome::existing: return {Status::ok, {}, false, std::move(r->scan)};
    case store::CreateOutcome::quota_exceeded: return {Status::invalid, "quota exceeded", false, {}};
  }
  return {Status::internal, "unreachable", false, {}};
}

DeleteOutcome delete_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view id) {
  if (!is_uuid_v4(id)) return {Status::invalid, "id: not a UUID v4", false, {}};
  auto r = store.remove(user, id, now_ms(opts));
  if (!r.ok()) return {Status::internal, r.error().message(), false, {}};
  switch (r->outcome) {
    case store::DeleteOutcome::deleted: return {Status::ok, {}, true, std::move(r->scan)};
    case store::DeleteOutcome::already_deleted: return {Status::ok, {}, false, std::move(r->scan)};
    case store::DeleteOutcome::not_found: return {Status::not_found, "no such scan", false, {}};
  }
  return {Status::internal, "unreachable", false, {}};
}

SyncOutcome sync_since(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                       std::int64_t since, std::int64_t limit) {
  if (since < 0) return {Status::invalid, "seq: negative", {}};
  const auto max_page = static_cast<std::int64_t>(std::max<std::size_t>(opts.max_page, 1));
  limit = std::clamp<std::int64_t>(limit, 1, max_page);
  auto r = store.changes_since(user, since, static_cast<std::size_t>(limit));
  if (!r.ok()) {
    if (r.error() == store::errc::cursor_expired) return {Status::cursor_expired, "cursor expired", {}};
    return {Status::internal, r.error().message(), {}};
  }
  return {Status::ok, {}, std::move(*r)};
}

}  // namespace scansync::gateway::ops
