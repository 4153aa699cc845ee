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

template <class Outcome>
Outcome refused(Status status, std::string detail) {
  Outcome o;
  o.status = status;
  o.detail = std::move(detail);
  return o;
}

template <class Outcome>
Outcome store_failed(std::error_code error) {
  Outcome o;
  o.status = status_of(error);
  o.detail = error.message();
  // Kept for the caller's log when the request failed for the store's sake;
  // an expired cursor is the client's.
  if (o.status == Status::internal || o.status == Status::unavailable) o.error = error;
  return o;
}

std::size_t page_limit(const ServiceOptions& opts, std::int64_t limit) {
  const auto max_page = static_cast<std::int64_t>(std::max<std::size_t>(opts.max_page, 1));
  return static_cast<std::size_t>(std::clamp<std::int64_t>(limit, 1, max_page));
}

std::size_t page_bytes(const ServiceOptions& opts) {
  return opts.max_page_bytes == 0 ? store::kNoByteLimit : opts.max_page_bytes;
}

}  // namespace

Status status_of(std::error_code store_error) {
  if (store_error == store::errc::busy) return Status::unavailable;
  if (store_error == store::errc::cursor_expired) return Status::cursor_expired;
  return Status::internal;
}

CreateOutcome create_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return refused<CreateOutcome>(Status::invalid_json, "payload: not JSON");
  store::NewScan scan;
  if (auto why = validate_new_scan(json, opts.max_code_bytes, scan); !why.empty()) {
    return refused<CreateOutcome>(Status::invalid, std::move(why));
  }
  auto r = store.create(user, scan);
  if (!r.ok()) return store_failed<CreateOutcome>(r.error());
  CreateOutcome o;
  switch (r->outcome) {
    case store::CreateOutcome::created: o.created = true; break;
    case store::CreateOutcome::existing: break;
    case store::CreateOutcome::quota_exceeded:
      return refused<CreateOutcome>(Status::quota_exceeded,
                                    "the user holds " + std::to_string(opts.max_scans_per_user) +
                                        " scans, the most allowed; delete some first");
  }
  o.scan = std::move(r->scan);
  return o;
}

DeleteOutcome delete_scan(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                          std::string_view id) {
  const auto canonical = canonical_uuid_v4(id);
  if (!canonical) return refused<DeleteOutcome>(Status::invalid, "id: not a UUID v4");
  auto r = store.remove(user, *canonical, now_ms(opts));
  if (!r.ok()) return store_failed<DeleteOutcome>(r.error());
  DeleteOutcome o;
  switch (r->outcome) {
    case store::DeleteOutcome::deleted: o.deleted_now = true; break;
    case store::DeleteOutcome::already_deleted: break;
    case store::DeleteOutcome::not_found: return refused<DeleteOutcome>(Status::not_found, "no such scan");
  }
  o.scan = std::move(r->scan);
  return o;
}

SyncOutcome sync_since(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                       std::int64_t since, std::int64_t limit) {
  if (since < 0) return refused<SyncOutcome>(Status::invalid, "seq: negative");
  auto r = store.changes_since(user, since, page_limit(opts, limit), page_bytes(opts));
  if (!r.ok()) return store_failed<SyncOutcome>(r.error());
  SyncOutcome o;
  o.page = std::move(*r);
  return o;
}

ListOutcome list_scans(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                       std::optional<std::int64_t> before, std::int64_t limit) {
  auto r = store.live_page(user, before, page_limit(opts, limit), page_bytes(opts));
  if (!r.ok()) return store_failed<ListOutcome>(r.error());
  ListOutcome o;
  o.page = std::move(*r);
  return o;
}

}  // namespace scansync::gateway::ops
