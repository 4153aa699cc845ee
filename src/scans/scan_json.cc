#include "scans/scan_json.h"

#include <charconv>

#include "scans/scan_validation.h"

namespace scansync::scans {

std::string to_text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json scan_json(const StoredScan& s) {
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

Json deleted_event_json(const StoredScan& s) {
  Json j;
  j["id"] = s.id;
  j["userId"] = s.user;
  j["seq"] = s.deleted_seq.value_or(0);
  j["deletedAt"] = format_utc_ms(s.deleted_at_ms.value_or(0));
  return j;
}

Json change_json(const StoredScan& s) {
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

Json change_page_json(const ChangePage& page) {
  Json changes = Json::array();
  for (const auto& c : page.changes) changes.push_back(change_json(c));
  Json j;
  j["ok"] = true;
  j["changes"] = std::move(changes);
  j["latestSeq"] = page.latest_seq;
  j["epoch"] = page.epoch;
  j["hasMore"] = page.has_more;
  return j;
}

Json live_page_json(const LivePage& page) {
  Json scans = Json::array();
  for (const auto& s : page.scans) scans.push_back(scan_json(s));
  Json j;
  j["scans"] = std::move(scans);
  j["latestSeq"] = page.latest_seq;
  j["epoch"] = page.epoch;
  if (page.next_before) {
    j["nextCursor"] = std::to_string(*page.next_before);
  } else {
    j["nextCursor"] = nullptr;
  }
  return j;
}

std::optional<std::int64_t> parse_list_cursor(std::string_view text) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < 1) return std::nullopt;
  return v;
}

}  // namespace scansync::scans
