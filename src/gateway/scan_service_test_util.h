#pragma once
// Shared fixture for the ScanService tests: a service on a fresh SQLite file
// in a temp dir, with a fake clock.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gateway/scan_service.h"
#include "test_support/temp_dir.h"

namespace scansync::gateway::testing {

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

// A second connection to the service's file, as another process would hold it.
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

template <class F>
ServiceOptions options(F&& set) {
  ServiceOptions o;
  set(o);
  return o;
}

class ScanServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override { open_service({}); }
  void open_service(ServiceOptions o) {
    svc_.reset();
    o.now_unix_ms = [this] { return now_ms_; };
    auto s = ScanService::open(db_file(), std::move(o));
    ASSERT_TRUE(s.ok()) << s.error().message();
    svc_ = std::move(*s);
  }
  Reply event(std::string_view event, std::string_view payload, std::string_view user = "alice") {
    return svc_->handle_event(user, event, payload);
  }
  Reply http(std::string_view method, std::string_view target, std::string_view body = {},
             std::string_view user = "alice") {
    return svc_->handle_http(user, method, target, body);
  }
  // `n` scans with ids nth_id(0..n-1), created in one batch (one commit).
  void create_many(int n, std::string_view code = "4006381333931", std::string_view user = "alice") {
    svc_->begin_batch();
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(parse(event("scan:create", create_payload(nth_id(i), code), user).body)["ok"], true) << i;
    }
    ASSERT_FALSE(svc_->commit_batch());
  }
  std::filesystem::path db_file() const { return dir_ / "gateway.db"; }
  static nlohmann::json parse(const std::string& s) {
    auto j = nlohmann::json::parse(s, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << s;
    return j;
  }

  test_support::TempDir dir_{"scansync-svc"};  // first: removed after svc_ closes
  std::int64_t now_ms_ = kFakeNowMs;
  std::unique_ptr<ScanService> svc_;
};

}  // namespace scansync::gateway::testing
