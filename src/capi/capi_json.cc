// The snapshots as JSON text: the shapes of `scansync device`'s lines
// (src/cli/device_command.cc) without their "type".
#include <nlohmann/json.hpp>

#include "capi/snapshot_json.h"

namespace scansync::capi {
namespace {

namespace sc = scansync::client;
using nlohmann::ordered_json;

std::string dump(const ordered_json& j) { return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace); }

}  // namespace

std::string scans_json(const device::ScanList& list) {
  ordered_json rows = ordered_json::array();
  for (const auto& s : list.scans) {
    rows.push_back({{"id", s.id},
                    {"userId", s.user_id},
                    {"code", s.code},
                    {"format", s.format},
                    {"deviceId", s.device_id},
                    {"createdAt", s.created_at},
                    {"seq", s.seq},
                    {"synced", s.synced}});
  }
  return dump({{"count", list.count}, {"scans", std::move(rows)}});
}

std::string sync_json(const device::SyncState& s) {
  ordered_json j = {{"status", std::string(sc::to_string(s.status))}};
  if (s.status == sc::Status::disconnected) j["reason"] = std::string(sc::to_string(s.reason));
  if (s.status == sc::Status::reconnecting) {
    j["attempt"] = s.attempt;
    j["delayMs"] = s.next_retry.count();
  }
  j["pending"] = s.pending;
  j["lastSeq"] = s.last_seq;
  j["flushing"] = s.flushing;
  if (!s.last_synced_at.empty()) j["lastSyncedAt"] = s.last_synced_at;
  if (!s.last_error_code.empty()) {
    j["lastError"] = {{"code", s.last_error_code}, {"message", s.last_error_message}};
  }
  return dump(j);
}

}  // namespace scansync::capi
