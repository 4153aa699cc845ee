#include "gateway/scan_service_json.h"

#include "gateway/scan_service_validation.h"

namespace scansync::gateway {

std::string to_text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json scan_json(const store::StoredScan& s) {
  Json j;
  j["id"] = s.id;
  j["userId"] = s.user;
  j["code"] = s.code;
  j["format"] = s.format;
  j["deviceId"] = s.device_id;
  j["createdAt"] = s.created_at;
  j["seq"] = s.seq;
  return j;
}

Json deleted_event_json(const store::StoredScan& s) {
  Json j;
  j["id"] = s.id;
  j["userId"] = s.user;
  j["seq"] = s.deleted_seq.value_or(0);
  j["deletedAt"] = format_utc_ms(s.deleted_at_ms.value_or(0));
  return j;
}

Json change_json(const store::StoredScan& s) {
  Json j;
  if (s.deleted()) {
    j["op"] = "deleted";
    j["id"] = s.id;
    j["seq"] = *s.deleted_seq;
    j["deletedAt"] = format_utc_ms(s.deleted_at_ms.value_or(0));
  } else {
    j["op"] = "created";
    j["scan"] = scan_json(s);
  }
  return j;
}

Json change_page_json(const store::ChangePage& page) {
  Json changes = Json::array();
  for (const auto& c : page.changes) changes.push_back(change_json(c));
  Json j;
  j["ok"] = true;
  j["changes"] = std::move(changes);
  j["latestSeq"] = page.latest_seq;
  j["hasMore"] = page.has_more;
  return j;
}

Json live_scans_json(const store::LivePage& live) {
  Json scans = Json::array();
  for (const auto& s : live.scans) scans.push_back(scan_json(s));
  Json j;
  j["scans"] = std::move(scans);
  j["latestSeq"] = live.latest_seq;
  return j;
}

}  // namespace scansync::gateway
