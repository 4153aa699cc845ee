// parse / render of the scan domain over the repository, without a store:
// the operation a request asks for, the refusals made before the store, and
// the answers each repository result renders to (typed, never by text).
#include "scans/scan_requests.h"

#include <gtest/gtest.h>

namespace scansync::scans {
namespace {

using scans::RepositoryErrc;
using scans::RepositoryError;

const char* kScan =
    R"({"id":"0B6D3F2C-5F5E-4C1A-9D3E-2F1A6B7C8D9E","code":"4006381333931","format":"ean13",)"
    R"("deviceId":"pixel-7","createdAt":"2026-11-26T04:46:28Z"})";

scans::StoredScan stored(std::int64_t seq) {
  scans::StoredScan s;
  s.user = "alice";
  s.id = "0b6d3f2c-5f5e-4c1a-9d3e-2f1a6b7c8d9e";
  s.code = "4006381333931";
  s.format = "ean13";
  s.device_id = "pixel-7";
  s.created_at = "2026-11-26T04:46:28.000Z";
  s.seq = seq;
  return s;
}

TEST(ScanRequests, ACreateIsValidatedAndCanonicalBeforeTheStore) {
  const auto r = parse_event({}, "alice", "scan:create", kScan, 0);
  ASSERT_FALSE(r.refused);
  const auto& op = std::get<scans::CreateScan>(r.op);
  EXPECT_EQ(op.user, "alice");
  EXPECT_EQ(op.scan.id, "0b6d3f2c-5f5e-4c1a-9d3e-2f1a6b7c8d9e");
  EXPECT_EQ(op.scan.created_at, "2026-11-26T04:46:28.000Z");
}

TEST(ScanRequests, BadInputIsRefusedWithoutAnOperation) {
  EXPECT_EQ(parse_event({}, "alice", "scan:create", "{", 0).refused->body,
            R"({"ok":false,"error":"invalid","detail":"payload: not JSON"})");
  EXPECT_EQ(parse_event({}, "alice", "scan:delete", R"({"id":"x"})", 0).refused->body,
            R"({"ok":false,"error":"invalid","detail":"id: not a UUID v4"})");
  EXPECT_EQ(parse_event({}, "alice", "nope", "{}", 0).refused->body, R"({"ok":false,"error":"unknown_event"})");
  EXPECT_EQ(parse_rest({}, "alice", "PUT", "/api/scans", "", 0).refused->http_status, 405);
  EXPECT_EQ(parse_rest({}, "alice", "GET", "/api/scans?limit=0", "", 0).refused->http_status, 400);
  EXPECT_EQ(parse_rest({}, "alice", "GET", "/api/other", "", 0).refused->http_status, 404);
}

TEST(ScanRequests, ANewScanIsBroadcastWithItsSeqAnExistingOneIsNot) {
  const auto socket = parse_event({}, "alice", "scan:create", kScan, 0);
  const Reply fresh = render({}, socket, scans::Created{stored(7), false});
  EXPECT_EQ(fresh.broadcast_event, "scan:created");
  EXPECT_EQ(fresh.broadcast_seq, 7);
  EXPECT_EQ(fresh.body.rfind(R"({"ok":true,"scan":{)", 0), 0u) << fresh.body;
  EXPECT_TRUE(render({}, socket, scans::Created{stored(7), true}).broadcast_event.empty());

  const auto rest = parse_rest({}, "alice", "POST", "/api/scans", kScan, 0);
  EXPECT_EQ(render({}, rest, scans::Created{stored(7), false}).http_status, 201);
  EXPECT_EQ(render({}, rest, scans::Created{stored(7), true}).http_status, 200);
}

TEST(ScanRequests, ADeleteBroadcastsOnlyTheFirstTime) {
  auto tomb = stored(3);
  tomb.deleted_seq = 9;
  tomb.deleted_at_ms = 1'800'000'000'000;
  const auto r = parse_event({}, "alice", "scan:delete", R"({"id":"0b6d3f2c-5f5e-4c1a-9d3e-2f1a6b7c8d9e"})", 0);
  const Reply now = render({}, r, scans::Removed{tomb, false});
  EXPECT_EQ(now.body, R"({"ok":true,"seq":9})");
  EXPECT_EQ(now.broadcast_event, "scan:deleted");
  EXPECT_EQ(now.broadcast_seq, 9);
  EXPECT_TRUE(render({}, r, scans::Removed{tomb, true}).broadcast_event.empty());
}

TEST(ScanRequests, RepositoryErrorsRenderByTheirCode) {
  const auto socket = parse_event({}, "alice", "scan:create", kScan, 0);
  const auto rest = parse_rest({}, "alice", "POST", "/api/scans", kScan, 0);
  const RepositoryError down{RepositoryErrc::unavailable, "connection refused", {}};
  const Reply a = render({}, socket, down);
  EXPECT_EQ(a.body, R"({"ok":false,"error":"unavailable"})");
  EXPECT_EQ(a.store_detail, "connection refused");
  EXPECT_TRUE(a.broadcast_event.empty());
  EXPECT_EQ(render({}, rest, down).http_status, 503);
  EXPECT_EQ(render({}, rest, RepositoryError{RepositoryErrc::internal, "disk full", {}}).http_status, 500);
  EXPECT_EQ(render({}, rest, RepositoryError{RepositoryErrc::quota_exceeded, "", {}}).http_status, 403);
  EXPECT_EQ(render({}, socket, RepositoryError{RepositoryErrc::quota_exceeded, "", {}}).body,
            R"({"ok":false,"error":"quota_exceeded"})");
  const auto sync = parse_event({}, "alice", "sync:since", R"({"seq":5})", 0);
  EXPECT_EQ(render({}, sync, RepositoryError{RepositoryErrc::cursor_expired, "", {}}).body,
            R"({"ok":false,"error":"cursor_expired"})");
  EXPECT_EQ(render_failure(ScanRequest::Front::rest, down).http_status, 503);
  EXPECT_EQ(render_failure(ScanRequest::Front::socket, down).body, R"({"ok":false,"error":"unavailable"})");
}

}  // namespace
}  // namespace scansync::scans
