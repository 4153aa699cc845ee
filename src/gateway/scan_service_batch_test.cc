// ScanService batches (group commit) and storage failures: a locked
// database answers `unavailable` at once, other failures `internal`, and
// both hand the store's error to the caller.
#include <gtest/gtest.h>

#include "gateway/scan_service.h"
#include "gateway/scan_service_test_util.h"
#include "store/store_errors.h"

namespace scansync::gateway {
namespace {

using namespace scansync::gateway::testing;

class ScanServiceStorage : public ScanServiceFixture {};

TEST_F(ScanServiceStorage, ALockedDatabaseIsUnavailableAtOnceThenWorks) {
  event("scan:create", create_payload(kId1));
  OtherConnection other(db_file());
  ASSERT_EQ(other.exec("BEGIN IMMEDIATE"), SQLITE_OK);
  // These return without waiting for the other connection.
  Reply r = event("scan:create", create_payload(kId2));
  EXPECT_EQ(r.body, R"({"ok":false,"error":"unavailable"})");
  EXPECT_EQ(r.broadcast_event, "");
  EXPECT_EQ(r.store_error, store::errc::busy);
  Reply rest = http("DELETE", std::string("/api/scans/") + kId1);
  EXPECT_EQ(rest.http_status, 503);
  EXPECT_EQ(rest.body, R"({"error":{"code":"unavailable","message":"the database is busy; retry later"}})");
  EXPECT_EQ(rest.store_error, store::errc::busy);
  EXPECT_EQ(parse(event("sync:since", R"({"seq":0})").body)["ok"], true);  // readers go on

  ASSERT_EQ(other.exec("COMMIT"), SQLITE_OK);
  Reply after = event("scan:create", create_payload(kId2));
  EXPECT_EQ(parse(after.body)["scan"]["seq"], 2);
  EXPECT_FALSE(after.store_error);
}

TEST_F(ScanServiceStorage, AStorageFailureIsInternalAndKeepsTheStoreError) {
  {
    OtherConnection other(db_file());
    ASSERT_EQ(other.exec("CREATE TRIGGER fail BEFORE INSERT ON scans BEGIN SELECT RAISE(ABORT, 'no'); END"),
              SQLITE_OK);
  }
  Reply r = event("scan:create", create_payload(kId1));
  EXPECT_EQ(r.body, R"({"ok":false,"error":"internal"})");
  EXPECT_EQ(r.store_error, store::errc::sql_error);
  Reply rest = http("POST", "/api/scans", create_payload(kId1));
  EXPECT_EQ(rest.http_status, 500);
  EXPECT_EQ(rest.store_error, store::errc::sql_error);
}

TEST_F(ScanServiceStorage, ABatchCommitsItsWritesTogether) {
  event("scan:create", create_payload(kUnknownId));
  svc_->begin_batch();
  EXPECT_TRUE(svc_->in_batch());
  Reply a = event("scan:create", create_payload(kId1));
  Reply b = http("POST", "/api/scans", create_payload(kId2));
  Reply d = event("scan:delete", std::string(R"({"id":")") + kUnknownId + "\"}");
  Reply bad = event("scan:create", "{}");  // fails alone
  EXPECT_EQ(parse(a.body)["scan"]["seq"], 2);
  EXPECT_EQ(b.http_status, 201);
  EXPECT_EQ(d.body, R"({"ok":true,"seq":4})");
  EXPECT_EQ(parse(bad.body)["error"], "invalid");
  // The batch reads its own writes.
  EXPECT_EQ(parse(event("sync:since", R"({"seq":0})").body)["latestSeq"], 4);
  EXPECT_FALSE(svc_->commit_batch());
  EXPECT_FALSE(svc_->in_batch());
  open_service({});
  auto j = parse(event("sync:since", R"({"seq":0})").body);
  EXPECT_EQ(j["latestSeq"], 4);
  EXPECT_EQ(j["changes"].size(), 3u);
}

TEST_F(ScanServiceStorage, AnAbandonedBatchLeavesNothing) {
  svc_->begin_batch();
  event("scan:create", create_payload(kId1));
  event("scan:create", create_payload(kId2));
  open_service({});  // closed without commit_batch()
  auto j = parse(event("sync:since", R"({"seq":0})").body);
  EXPECT_EQ(j["latestSeq"], 0);
  EXPECT_EQ(parse(event("scan:create", create_payload(kId2)).body)["scan"]["seq"], 1);
}

TEST_F(ScanServiceStorage, TheAnswersForAFailedBatch) {
  Reply busy = ScanService::batch_failure_event(store::errc::busy);
  EXPECT_EQ(busy.body, R"({"ok":false,"error":"unavailable"})");
  EXPECT_EQ(busy.store_error, store::errc::busy);
  Reply other = ScanService::batch_failure_event(store::errc::sql_error);
  EXPECT_EQ(other.body, R"({"ok":false,"error":"internal"})");
  EXPECT_EQ(ScanService::batch_failure_http(store::errc::busy).http_status, 503);
  Reply rest = ScanService::batch_failure_http(store::errc::sql_error);
  EXPECT_EQ(rest.http_status, 500);
  EXPECT_EQ(rest.store_error, store::errc::sql_error);
  EXPECT_EQ(rest.broadcast_event, "");
}

}  // namespace
}  // namespace scansync::gateway
