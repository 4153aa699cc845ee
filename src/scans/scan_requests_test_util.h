#pragma once
// Shared fixture for the scan domain's wire tests (socket events and REST):
// parse, a real SqliteScanRepository on a fresh file in a temp dir, render.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <vector>

#include "scans/scan_requests.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"
#include "test_support/temp_dir.h"

namespace scansync::scans::testing {

inline constexpr const char* kId1 = "0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b";
inline constexpr const char* kId2 = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
inline constexpr const char* kUnknownId = "99999999-9999-4999-a999-999999999999";
// 2026-11-26T04:46:28.123Z
inline constexpr std::int64_t kFakeNowMs = 1'795'668'388'123;

inline std::string create_payload(std::string_view id, std::string_view code = "4006381333931") {
  nlohmann::json j = {{"id", id},
                      {"code", code},
                      {"format", "ean13"},
                      {"deviceId", "pixel-7"},
                      {"createdAt", "2026-11-26T04:46:28.123Z"}};
  return j.dump();
}

// The n-th of a run of distinct UUID v4s.
inline std::string nth_id(int n) {
  char id[37];
  std::snprintf(id, sizeof id, "0b9a4a3e-4c1d-4f6e-9a7b-%012d", n);
  return id;
}

// A second connection to the database file, as another process would hold it.
class OtherConnection {
 public:
  explicit OtherConnection(const std::filesystem::path& file) {
    EXPECT_EQ(sqlite3_open(file.c_str(), &db_), SQLITE_OK);
  }
  ~OtherConnection() { sqlite3_close(db_); }
  OtherConnection(const OtherConnection&) = delete;
  OtherConnection& operator=(const OtherConnection&) = delete;
  int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
};

// The front's limits and the repository's (tombstones, quota) in one.
struct DomainOptions : RequestOptions {
  std::size_t tombstone_limit = 10000;
};

template <class F>
DomainOptions options(F&& set) {
  DomainOptions o;
  set(o);
  return o;
}

// The scan domain end to end, one request at a time: parse → a one-operation
// batch on a SqliteScanRepository (a fresh file, completions on an
// io_context polled here) → render, with a fake clock.
class ScanDomainFixture : public ::testing::Test {
 protected:
  void SetUp() override { open_service({}); }
  void open_service(DomainOptions o) {
    repository_.reset();
    store::StoreOptions so;
    so.tombstone_limit = o.tombstone_limit;
    so.max_live_scans_per_user = o.max_scans_per_user;
    so.durability = store::Durability::normal;  // no fsync per test request
    auto s = store::ScanStore::open(db_file(), so);
    ASSERT_TRUE(s.ok()) << s.error().message();
    repository_ = std::make_unique<SqliteScanRepository>(std::move(*s), io_.get_executor());
    opts_ = o;
  }
  Reply event(std::string_view event, std::string_view payload, std::string_view user = "alice") {
    return run({parse_event(opts_, user, event, payload, now_ms_)}).front();
  }
  Reply http(std::string_view method, std::string_view target, std::string_view body = {},
             std::string_view user = "alice") {
    return run({parse_rest(opts_, user, method, target, body, now_ms_)}).front();
  }
  // Submits the requests not refused as ONE batch and renders every answer.
  std::vector<Reply> run(const std::vector<ScanRequest>& requests) {
    std::vector<Operation> ops;
    for (const auto& r : requests) {
      if (!r.refused) ops.push_back(r.op);
    }
    std::optional<BatchResult> result;
    repository_->submit(std::move(ops), [&](BatchResult b) { result = std::move(b); });
    io_.poll();
    io_.restart();
    EXPECT_TRUE(result) << "the completion ran";
    std::vector<Reply> out;
    std::size_t next = 0;
    for (const auto& r : requests) {
      if (r.refused) {
        out.push_back(*r.refused);
      } else if (result && next < result->results.size()) {
        out.push_back(render(opts_, r, result->results[next++], repository_->epoch()));
      } else {
        out.push_back(Reply{500, "no result", {}, {}, {}, 0, {}, {}});
      }
    }
    return out;
  }
  // `n` scans with ids nth_id(0..n-1), created in one batch (one commit).
  void create_many(int n, std::string_view code = "4006381333931", std::string_view user = "alice") {
    std::vector<ScanRequest> requests;
    for (int i = 0; i < n; ++i) {
      requests.push_back(parse_event(opts_, user, "scan:create", create_payload(nth_id(i), code), now_ms_));
    }
    const auto replies = run(requests);
    for (int i = 0; i < n; ++i) ASSERT_EQ(parse(replies[i].body)["ok"], true) << i << " " << replies[i].body;
  }
  std::string epoch() const { return repository_->epoch(); }
  std::filesystem::path db_file() const { return dir_ / "gateway.db"; }
  static nlohmann::json parse(const std::string& s) {
    auto j = nlohmann::json::parse(s, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << s;
    return j;
  }

  test_support::TempDir dir_{"scansync-scans"};  // first: removed after the repository closes
  boost::asio::io_context io_;
  std::int64_t now_ms_ = kFakeNowMs;
  RequestOptions opts_;
  std::unique_ptr<SqliteScanRepository> repository_;
};

}  // namespace scansync::scans::testing
