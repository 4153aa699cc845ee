// ScanService: opening, batches, and the socket-event front end (acks +
// broadcasts).
#include "gateway/scan_service.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "gateway/scan_service_json.h"
#include "gateway/scan_service_ops.h"
#include "store/scan_store.h"

namespace scansync::gateway {
namespace {

Reply ack(const Json& body) { return Reply{200, to_text(body), {}, {}, {}, 0, {}}; }

Reply ack_error(std::string_view error, std::string_view detail = {}) {
  Json j;
  j["ok"] = false;
  j["error"] = error;
  if (!detail.empty()) j["detail"] = detail;
  Reply r = ack(j);
  r.error = std::string(error);
  return r;
}

Reply ack_failure(ops::Status status, const std::string& detail, std::error_code store_error) {
  Reply r;
  switch (status) {
    case ops::Status::invalid:
    case ops::Status::invalid_json: return ack_error("invalid", detail);
    case ops::Status::not_found: return ack_error("not_found");
    case ops::Status::cursor_expired: return ack_error("cursor_expired");
    case ops::Status::quota_exceeded: return ack_error("quota_exceeded");
    case ops::Status::unavailable: r = ack_error("unavailable"); break;
    case ops::Status::internal:
    case ops::Status::ok: r = ack_error("internal"); break;
  }
  r.store_error = store_error;
  return r;
}

// Optional integer member; nullopt+false when present but not an integer.
bool int_member(const nlohmann::json& obj, const char* name, std::optional<std::int64_t>& out) {
  auto it = obj.find(name);
  if (it == obj.end()) return true;
  if (!it->is_number_integer()) return false;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return false;
  out = it->get<std::int64_t>();
  return true;
}

Reply on_create(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                std::string_view payload) {
  auto r = ops::create_scan(store, opts, user, payload);
  if (r.status != ops::Status::ok) return ack_failure(r.status, r.detail, r.error);
  const Json scan = scan_json(r.scan);
  Json body;
  body["ok"] = true;
  body["scan"] = scan;
  // Extension: a create of an id deleted meanwhile says so, so a client does
  // not resurrect the scan locally from the ack.
  if (r.scan.deleted()) body["deletedSeq"] = *r.scan.deleted_seq;
  Reply reply = ack(body);
  if (r.created) {
    reply.broadcast_event = "scan:created";
    reply.broadcast_payload = to_text(scan);
  }
  return reply;
}

Reply on_delete(store::ScanStore& store, const ServiceOptions& opts, std::string_view user,
                std::string_view payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, false);
  if (json.is_discarded()) return ack_error("invalid", "payload: not JSON");
  if (!json.is_object()) return ack_error("invalid", "payload: not an object");
  auto id = json.find("id");
  if (id == json.end()) return ack_error("invalid", "id: missing");
  if (!id->is_string()) return ack_error("invalid", "id: not a UUID v4");
  auto r = ops::delete_scan(store, opts, user, id->get_ref<const std::string&>());
  if (r.status != ops::Status::ok) return ack_failure(r.status, r.detail, r.error);
  Json body;
  body["ok"] = true;
  body["seq"] = *r.scan.deleted_seq;
  Reply reply = ack(body);
  if (r.deleted_now) {
    reply.broadcast_event = "scan:deleted";
    reply.broadcast_payload = to_text(deleted_event_json(r.scan));
  }
  return reply;
}

Reply on_sync(store::ScanStore& store, const ServiceOptions& opts, std::string_view user, std::string_view payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, false);
  if (json.is_discarded()) return ack_error("invalid", "payload: not JSON");
  if (!json.is_object()) return ack_error("invalid", "payload: not an object");
  std::optional<std::int64_t> seq, limit;
  if (!int_member(json, "seq", seq)) return ack_error("invalid", "seq: not an integer");
  if (!seq) return ack_error("invalid", "seq: missing");
  if (!int_member(json, "limit", limit)) return ack_error("invalid", "limit: not an integer");
  auto r = ops::sync_since(store, opts, user, *seq, limit.value_or(ops::kDefaultPageLimit));
  if (r.status == ops::Status::cursor_expired) {
    // It carries the epoch like every sync:since reply: the client resets
    // to this history, so a later restore (another epoch) is seen as a
    // reset too. Without it the client held no epoch, adopted the next one
    // it saw as its first, and never re-sent the scans acked in between
    // (found by scansync-sim, seed 31).
    Json j;
    j["ok"] = false;
    j["error"] = "cursor_expired";
    j["epoch"] = store.epoch();
    return ack(j);
  }
  if (r.status != ops::Status::ok) return ack_failure(r.status, r.detail, r.error);
  return ack(change_page_json(r.page));
}

}  // namespace

Result<std::unique_ptr<ScanService>> ScanService::open(const std::filesystem::path& db_file, ServiceOptions opts) {
  if (db_file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(db_file.parent_path(), ec);  // open() reports any failure
  }
  auto store = store::ScanStore::open(db_file, store::StoreOptions{
                                                   .tombstone_limit = opts.tombstone_limit,
                                                   .max_live_scans_per_user = opts.max_scans_per_user,
                                                   .durability = opts.durability,
                                                   .busy_timeout_ms = opts.busy_timeout_ms,
                                                   .background_checkpoint = opts.background_checkpoint,
                                               });
  if (!store.ok()) return store.error();
  return std::unique_ptr<ScanService>(new ScanService(std::move(*store), std::move(opts)));
}

ScanService::ScanService(std::unique_ptr<store::ScanStore> store, ServiceOptions opts)
    : store_(std::move(store)), opts_(std::move(opts)) {}

ScanService::~ScanService() = default;

Reply ScanService::handle_event(std::string_view user, std::string_view event, std::string_view payload) {
  if (event == "scan:create") return on_create(*store_, opts_, user, payload);
  if (event == "scan:delete") return on_delete(*store_, opts_, user, payload);
  if (event == "sync:since") return on_sync(*store_, opts_, user, payload);
  return ack_error("unknown_event");
}

void ScanService::begin_batch() { store_->begin_batch(); }

std::error_code ScanService::commit_batch() { return store_->commit_batch(); }

bool ScanService::in_batch() const { return store_->in_batch(); }

Reply ScanService::batch_failure_event(std::error_code error) {
  return ack_failure(ops::status_of(error) == ops::Status::unavailable ? ops::Status::unavailable
                                                                       : ops::Status::internal,
                     {}, error);
}

std::error_code ScanService::probe_write() {
  const std::int64_t now_ms = opts_.now_unix_ms
                                  ? opts_.now_unix_ms()
                                  : std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count();
  return store_->probe_write(now_ms);
}

const std::string& ScanService::epoch() const { return store_->epoch(); }

}  // namespace scansync::gateway
