// The scan domain's front over a real SQLite repository: socket events and
// REST requests with arbitrary names, targets and bodies (parse → one
// repository batch → render), against a store that keeps what earlier
// inputs made. Invariants: every answer is JSON, every REST status is one
// the contract lists, a broadcast carries a JSON argument, and the other
// user's scan never shows up in this user's list or change feed.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "fuzz_temp_dir.h"
#include "scans/scan_requests.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"

using namespace scansync::scans;

namespace {

// A scan of bob's, made once; every input acts as alice.
constexpr const char* kBobCode = "bob-private-4006381333931";
constexpr const char* kBobId = "0b0b0b0b-5f5e-4c1a-9d3e-2f1a6b7c8d9e";

// One request at a time; the repository's completion is run right after the
// submit (it is posted, never called inside it).
class Domain {
 public:
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;
  Domain() {
    scansync::store::StoreOptions so;
    so.durability = scansync::store::Durability::normal;  // an fsync per create would slow the fuzzer 100-fold
    so.tombstone_limit = 64;  // so pruning and cursor_expired are reachable
    so.background_checkpoint = false;
    auto opened = scansync::store::ScanStore::open(fuzz_temp_dir() / "scansync.db", so);
    FUZZ_CHECK(opened.ok());
    repository_ = std::make_unique<SqliteScanRepository>(
        std::move(*opened), [this](std::function<void()> fn) { posted_.push_back(std::move(fn)); });
    opts_.max_body_bytes = 8192;
  }
  Reply event(std::string_view user, std::string_view name, std::string_view payload) {
    return run(parse_event(opts_, user, name, payload, 1'795'668'388'123));
  }
  Reply http(std::string_view user, std::string_view method, std::string_view target, std::string_view body) {
    return run(parse_rest(opts_, user, method, target, body, 1'795'668'388'123));
  }

 private:
  Reply run(const ScanRequest& request) {
    if (request.refused) return *request.refused;
    std::optional<BatchResult> result;
    repository_->submit({request.op}, [&](BatchResult b) { result = std::move(b); });
    FUZZ_CHECK(!result);  // never inside submit
    auto posted = std::move(posted_);
    posted_.clear();
    for (auto& fn : posted) fn();
    FUZZ_CHECK(result && result->results.size() == 1);
    return render(opts_, request, result->results.front(), repository_->epoch());
  }

  std::vector<std::function<void()>> posted_;
  RequestOptions opts_;
  std::unique_ptr<SqliteScanRepository> repository_;
};

Domain& domain() {
  static const std::unique_ptr<Domain> d = [] {
    auto made = std::make_unique<Domain>();  // not moved: the repository's post hook holds its address
    auto r = made->event("bob", "scan:create",
                        std::string(R"({"id":")") + kBobId + R"(","code":")" + kBobCode +
                            R"(","format":"ean13","deviceId":"bob-phone","createdAt":"2026-11-26T04:46:28.123Z"})");
    FUZZ_CHECK(r.body.find(R"("ok":true)") != std::string::npos);
    return made;
  }();
  return *d;
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
  Domain& s = domain();

  static const char* const kEvents[] = {"scan:create", "scan:delete", "sync:since"};
  static const char* const kMethods[] = {"GET", "POST", "DELETE", "PUT"};
  const unsigned selector = data[0];
  Reply r;
  if (selector < 96) {
    const std::string_view event = selector < 90 ? std::string_view(kEvents[selector % 3]) : head;
    r = s.event("alice", event, selector < 90 ? rest : tail);
    FUZZ_CHECK(is_json(r.body));
    FUZZ_CHECK(r.body.rfind(R"({"ok":)", 0) == 0);
  } else {
    r = s.http("alice", kMethods[selector % 4], head, tail);
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
    auto list = nlohmann::json::parse(s.http("alice", "GET", "/api/scans", "").body);
    FUZZ_CHECK(list.contains("scans"));
    for (const auto& scan : list["scans"]) FUZZ_CHECK(scan.at("id") != kBobId);
    // From seq 0: cursor_expired once alice's tombstones were pruned.
    auto feed = nlohmann::json::parse(s.event("alice", "sync:since", R"({"seq":0,"limit":1000})").body);
    FUZZ_CHECK(feed.contains("changes") || feed.value("error", "") == "cursor_expired");
    for (const auto& c : feed.value("changes", nlohmann::json::array())) {
      FUZZ_CHECK(c.value("id", "") != kBobId && c.value("/scan/id"_json_pointer, "") != kBobId);
    }
  }
  return 0;
}
