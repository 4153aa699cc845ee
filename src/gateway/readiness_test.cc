#include "gateway/readiness.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store_errors.h"

namespace scansync::gateway {
namespace {

TEST(Readiness, ACommittedProbeIsReady) {
  const Readiness r = readiness_of_probe(std::error_code{});
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.http_status(), 200);
  EXPECT_EQ(r.body(), R"({"status":"ok"})");
}

TEST(Readiness, EachStoreErrorHasItsReason) {
  const std::pair<store::errc, const char*> cases[] = {
      {store::errc::disk_full, "disk_full"}, {store::errc::read_only, "read_only"},
      {store::errc::busy, "locked"},         {store::errc::io_error, "io_error"},
      {store::errc::sql_error, "store_error"},
  };
  for (const auto& [e, reason] : cases) {
    const Readiness r = readiness_of_probe(e);
    EXPECT_FALSE(r.ready);
    EXPECT_EQ(r.http_status(), 503);
    EXPECT_EQ(r.reason, reason);
    const auto body = nlohmann::json::parse(r.body());
    EXPECT_EQ(body["status"], "unavailable");
    EXPECT_EQ(body["reason"], reason);
    EXPECT_NE(body["detail"].get<std::string>().find("store write probe: "), std::string::npos);
  }
  EXPECT_EQ(readiness_of_probe(std::make_error_code(std::errc::io_error)).reason, "store_error");
}

TEST(Readiness, ARepositoryErrorSaysTheStoresState) {
  using scans::RepositoryErrc;
  using scans::RepositoryError;
  EXPECT_TRUE(readiness_of_probe(std::optional<RepositoryError>{}).ready);
  // SQLite: the store's own error behind the repository's decides.
  EXPECT_EQ(readiness_of_probe(RepositoryError{RepositoryErrc::internal, "disk full",
                                               make_error_code(store::errc::disk_full)}).reason, "disk_full");
  EXPECT_EQ(readiness_of_probe(RepositoryError{RepositoryErrc::unavailable, "database is locked",
                                               make_error_code(store::errc::busy)}).reason, "locked");
  // PostgreSQL unreachable: no store error behind it.
  const Readiness down = readiness_of_probe(RepositoryError{RepositoryErrc::unavailable, "PostgreSQL: connection refused", {}});
  EXPECT_EQ(down.reason, "store_unavailable");
  EXPECT_NE(down.detail.find("connection refused"), std::string::npos);
  EXPECT_EQ(readiness_of_probe(RepositoryError{RepositoryErrc::internal, "", {}}).reason, "store_error");
}

TEST(Readiness, LittleSpaceLeftIsDiskFull) {
  EXPECT_EQ(space_shortage(std::nullopt, "/data"), std::nullopt) << "unknown space: the probe decides";
  EXPECT_EQ(space_shortage(kMinFreeBytes, "/data"), std::nullopt);
  auto r = space_shortage(kMinFreeBytes - 1, "/data");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "disk_full");
  EXPECT_NE(r->detail.find("/data"), std::string::npos);
  EXPECT_EQ(space_shortage(0, "/data")->http_status(), 503);
}

}  // namespace
}  // namespace scansync::gateway
