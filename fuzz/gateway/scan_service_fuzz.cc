// The scan service over a real SQLite file: socket events and REST requests
// with arbitrary names, targets and bodies, against a store that keeps what
// earlier inputs made. Invariants: every answer is JSON, every REST status
// is one the contract lists, a broadcast carries a JSON argument, and the
// other user's scan never shows up in this user's list or change feed.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_temp_dir.h"
#include "gateway/scan_service.h"

using namespace scansync::gateway;

namespace {

// A scan of bob's, made once; every input acts as alice.
constexpr const char* kBobCode = "bob-private-4006381333931";
constexpr const char* kBobId = "0b0b0b0b-5f5e-4c1a-9d3e-2f1a6b7c8d9e";

ScanService& service() {
  static std::unique_ptr<ScanService> s = [] {
    ServiceOptions o;
    o.durability = scansync::store::Durability::normal;  // an fsync per create would slow the fuzzer 100-fold
    o.max_body_bytes = 8192;
    o.tombstone_limit = 64;  // so pruning and cursor_expired are reachable
    auto opened = ScanService::open(fuzz_temp_dir() / "scansync.db", o);
    FUZZ_CHECK(opened.ok());
    auto made = (*opened)->handle_event(
        "bob", "scan:create",
        std::string(R"({"id":")") + kBobId + R"(","code":")" + kBobCode +
            R"(","format":"ean13","deviceId":"bob-phone","createdAt":"2026-11-26T04:46:28.123Z"})");
    FUZZ_CHECK(made.body.find(R"("ok":true)") != std::string::npos);
    return std::move(*opened);
  }();
  return *s;
}

bool is_json(std::string_view text) { return nlohmann::json::accept(text); }

}  // namespace

// Input: a selector byte, then "name\0payload" (event) or "target\0body" (REST).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto nul = rest.find('\0');
  const std::string_view head = rest.substr(0, nul);
  const std::string_view tail = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  ScanService& s = service();

  static const char* const kEvents[] = {"scan:create", "scan:delete", "sync:since"};
  static const char* const kMethods[] = {"GET", "POST", "DELETE", "PUT"};
  const unsigned selector = data[0];
  Reply r;
  if (selector < 96) {
    const std::string_view event = selector < 90 ? std::string_view(kEvents[selector % 3]) : head;
    r = s.handle_event("alice", event, selector < 90 ? rest : tail);
    FUZZ_CHECK(is_json(r.body));
    FUZZ_CHECK(r.body.rfind(R"({"ok":)", 0) == 0);
  } else {
    r = s.handle_http("alice", kMethods[selector % 4], head, tail);
    FUZZ_CHECK(is_json(r.body));
    const int st = r.http_status;
    FUZZ_CHECK(st == 200 || st == 201 || st == 400 || st == 404 || st == 405 || st == 410 || st == 413 || st == 500);
  }
  if (!r.broadcast_event.empty()) {
    FUZZ_CHECK(r.broadcast_event == "scan:created" || r.broadcast_event == "scan:deleted");
    FUZZ_CHECK(is_json(r.broadcast_payload));
  }
  // Now and then: alice's live scans and change feed never hold bob's scan.
  static unsigned calls = 0;
  if (++calls % 16 == 0) {
    auto list = nlohmann::json::parse(s.handle_http("alice", "GET", "/api/scans", "").body);
    FUZZ_CHECK(list.contains("scans"));
    for (const auto& scan : list["scans"]) FUZZ_CHECK(scan.at("id") != kBobId);
    // From seq 0: cursor_expired once alice's tombstones were pruned.
    auto feed = nlohmann::json::parse(s.handle_event("alice", "sync:since", R"({"seq":0,"limit":1000})").body);
    FUZZ_CHECK(feed.contains("changes") || feed.value("error", "") == "cursor_expired");
    for (const auto& c : feed.value("changes", nlohmann::json::array())) {
      FUZZ_CHECK(c.value("id", "") != kBobId && c.value("/scan/id"_json_pointer, "") != kBobId);
    }
  }
  return 0;
}
