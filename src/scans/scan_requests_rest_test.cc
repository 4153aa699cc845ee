// The scan domain's REST calls over a real SQLite repository: routes,
// statuses, bodies.
#include "scans/scan_requests.h"

#include "scans/scan_requests_test_util.h"

namespace scansync::scans {
namespace {

using namespace scansync::scans::testing;

class ScanRest : public ScanDomainFixture {
 protected:
  std::string item(std::string_view id) { return "/api/scans/" + std::string(id); }
};

TEST_F(ScanRest, PostCreates201ThenExisting200) {
  Reply r = http("POST", "/api/scans", create_payload(kId1));
  EXPECT_EQ(r.http_status, 201);
  auto j = parse(r.body);
  EXPECT_EQ(j["id"], kId1);
  EXPECT_EQ(j["userId"], "alice");
  EXPECT_EQ(j["seq"], 1);
  EXPECT_EQ(r.broadcast_event, "scan:created");
  EXPECT_EQ(r.broadcast_payload, r.body);

  Reply again = http("POST", "/api/scans", create_payload(kId1));
  EXPECT_EQ(again.http_status, 200);
  EXPECT_EQ(again.body, r.body);
  EXPECT_EQ(again.broadcast_event, "");
}

TEST_F(ScanRest, PostErrors) {
  Reply bad_json = http("POST", "/api/scans", "{not json");
  EXPECT_EQ(bad_json.http_status, 400);
  EXPECT_EQ(bad_json.body, R"({"error":{"code":"invalid_json","message":"request body is not JSON"}})");
  Reply invalid = http("POST", "/api/scans", R"({"id":"x"})");
  EXPECT_EQ(invalid.http_status, 400);
  EXPECT_EQ(invalid.body, R"({"error":{"code":"invalid","message":"id: not a UUID v4"}})");
  Reply empty = http("POST", "/api/scans", "");
  EXPECT_EQ(empty.http_status, 400);
  // An id bob holds is alice's to use too.
  http("POST", "/api/scans", create_payload(kId2), "bob");
  EXPECT_EQ(http("POST", "/api/scans", create_payload(kId2)).http_status, 201);
}

TEST_F(ScanRest, PostOverTheQuotaIs403) {
  open_service(options([](DomainOptions& o) { o.max_scans_per_user = 1; }));
  EXPECT_EQ(http("POST", "/api/scans", create_payload(kId1)).http_status, 201);
  Reply r = http("POST", "/api/scans", create_payload(kId2));
  EXPECT_EQ(r.http_status, 403);
  EXPECT_EQ(parse(r.body)["error"]["code"], "quota_exceeded");
  EXPECT_EQ(r.broadcast_event, "");
  EXPECT_EQ(http("POST", "/api/scans", create_payload(kId1)).http_status, 200);  // known id: answered
  EXPECT_EQ(http("DELETE", item(kId1)).http_status, 200);
  EXPECT_EQ(http("POST", "/api/scans", create_payload(kId2)).http_status, 201);
}

TEST_F(ScanRest, BodyOverTheLimitIs413) {
  open_service(options([](DomainOptions& o) { o.max_body_bytes = 64; }));
  const std::string body = create_payload(kId1);
  ASSERT_GT(body.size(), 64u);
  Reply r = http("POST", "/api/scans", body);
  EXPECT_EQ(r.http_status, 413);
  EXPECT_EQ(parse(r.body)["error"]["code"], "payload_too_large");
  EXPECT_EQ(r.broadcast_event, "");
}

TEST_F(ScanRest, GetListsLiveScansNewestFirst) {
  const std::string empty = R"({"scans":[],"latestSeq":0,"epoch":")" + epoch() + R"(","nextCursor":null})";
  EXPECT_EQ(http("GET", "/api/scans").body, empty);
  http("POST", "/api/scans", create_payload(kId1));
  http("POST", "/api/scans", create_payload(kId2));
  http("POST", "/api/scans", create_payload(kUnknownId));
  http("DELETE", item(kUnknownId));
  Reply r = http("GET", "/api/scans");
  EXPECT_EQ(r.http_status, 200);
  auto j = parse(r.body);
  ASSERT_EQ(j["scans"].size(), 2u);
  EXPECT_EQ(j["scans"][0]["id"], kId2);
  EXPECT_EQ(j["scans"][1]["id"], kId1);
  EXPECT_EQ(j["latestSeq"], 4);
  EXPECT_EQ(j["epoch"], epoch());
  EXPECT_TRUE(j["nextCursor"].is_null());
  // Keys in the contract's order.
  EXPECT_NE(r.body.find(R"(],"latestSeq":4,"epoch":")"), std::string::npos);
  // Another user sees nothing of alice's.
  EXPECT_EQ(http("GET", "/api/scans", {}, "bob").body, empty);
}

TEST_F(ScanRest, GetListPagesWithLimitAndCursor) {
  create_many(7);  // seqs 1..7
  std::vector<std::int64_t> seqs;
  std::string target = "/api/scans?limit=3";
  for (int round = 0; round < 10; ++round) {
    Reply r = http("GET", target);
    ASSERT_EQ(r.http_status, 200) << target;
    auto j = parse(r.body);
    for (const auto& scan : j["scans"]) seqs.push_back(scan["seq"]);
    if (j["nextCursor"].is_null()) break;
    EXPECT_EQ(j["scans"].size(), 3u);
    target = "/api/scans?limit=3&cursor=" + j["nextCursor"].get<std::string>();
  }
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{7, 6, 5, 4, 3, 2, 1}));
  // Default 100; over max_page is clamped, not refused.
  EXPECT_EQ(parse(http("GET", "/api/scans").body)["scans"].size(), 7u);
  open_service(options([](DomainOptions& o) { o.max_page = 2; }));
  auto clamped = parse(http("GET", "/api/scans?limit=5000").body);
  EXPECT_EQ(clamped["scans"].size(), 2u);
  EXPECT_EQ(clamped["nextCursor"], "6");
}

TEST_F(ScanRest, GetListBadLimitOrCursorIs400) {
  for (const char* target : {"/api/scans?limit=", "/api/scans?limit=ten", "/api/scans?limit=0", "/api/scans?limit=-1",
                             "/api/scans?limit=1.5", "/api/scans?cursor=", "/api/scans?cursor=abc",
                             "/api/scans?cursor=0", "/api/scans?cursor=-3", "/api/scans?cursor=7x",
                             "/api/scans?limit=2&cursor=99999999999999999999"}) {
    Reply r = http("GET", target);
    EXPECT_EQ(r.http_status, 400) << target;
    EXPECT_EQ(parse(r.body)["error"]["code"], "invalid") << target;
  }
}

TEST_F(ScanRest, GetListPagesStopAtTheByteBound) {
  // 4 KB codes: limit 1000 would be a 4 MB answer; 256 KiB hold about 64.
  create_many(150, std::string(4096, 'x'));
  std::vector<std::int64_t> seqs;
  std::string target = "/api/scans?limit=1000";
  for (int round = 0; round < 10; ++round) {
    Reply r = http("GET", target);
    EXPECT_LT(r.body.size(), 300u * 1024);
    auto j = parse(r.body);
    if (round == 0) {
      EXPECT_GE(j["scans"].size(), 55u);
      EXPECT_LE(j["scans"].size(), 64u);
    }
    for (const auto& scan : j["scans"]) seqs.push_back(scan["seq"]);
    if (j["nextCursor"].is_null()) break;
    target = "/api/scans?limit=1000&cursor=" + j["nextCursor"].get<std::string>();
  }
  ASSERT_EQ(seqs.size(), 150u);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], 150 - static_cast<std::int64_t>(i));
}

TEST_F(ScanRest, GetSinceHasTheSyncShape) {
  http("POST", "/api/scans", create_payload(kId1));
  http("POST", "/api/scans", create_payload(kId2));
  Reply r = http("GET", "/api/scans?since=0&limit=1");
  EXPECT_EQ(r.http_status, 200);
  auto j = parse(r.body);
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["changes"].size(), 1u);
  EXPECT_EQ(j["changes"][0]["scan"]["id"], kId1);
  EXPECT_EQ(j["hasMore"], true);
  EXPECT_EQ(j["latestSeq"], 2);
  EXPECT_EQ(j["epoch"], epoch());
  // Same bytes as the socket event.
  EXPECT_EQ(r.body, event("sync:since", R"({"seq":0,"limit":1})").body);
  auto rest = parse(http("GET", "/api/scans?limit=5&since=1").body);
  EXPECT_EQ(rest["changes"].size(), 1u);
  EXPECT_EQ(rest["hasMore"], false);
}

TEST_F(ScanRest, GetSinceBadQueryIs400) {
  for (const char* target : {"/api/scans?since=", "/api/scans?since=abc", "/api/scans?since=-1",
                             "/api/scans?since=1x", "/api/scans?since=0&limit=ten", "/api/scans?since",
                             "/api/scans?since=99999999999999999999"}) {
    Reply r = http("GET", target);
    EXPECT_EQ(r.http_status, 400) << target;
    EXPECT_EQ(parse(r.body)["error"]["code"], "invalid") << target;
  }
}

TEST_F(ScanRest, GetSinceExpiredCursorIs410) {
  open_service(options([](DomainOptions& o) { o.tombstone_limit = 0; }));
  http("POST", "/api/scans", create_payload(kId1));
  http("DELETE", item(kId1));
  Reply r = http("GET", "/api/scans?since=0");
  EXPECT_EQ(r.http_status, 410);
  EXPECT_EQ(parse(r.body)["error"]["code"], "cursor_expired");
}

TEST_F(ScanRest, DeleteReturnsSeqThen404ForUnknown) {
  http("POST", "/api/scans", create_payload(kId1));
  Reply r = http("DELETE", item(kId1));
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body, R"({"seq":2})");
  EXPECT_EQ(r.broadcast_event, "scan:deleted");
  EXPECT_EQ(parse(r.broadcast_payload)["deletedAt"], "2026-11-26T04:46:28.123Z");
  Reply again = http("DELETE", item(kId1));
  EXPECT_EQ(again.http_status, 200);
  EXPECT_EQ(again.body, R"({"seq":2})");
  EXPECT_EQ(again.broadcast_event, "");

  Reply unknown = http("DELETE", item(kUnknownId));
  EXPECT_EQ(unknown.http_status, 404);
  EXPECT_EQ(unknown.body, R"({"error":{"code":"not_found","message":"no such scan"}})");
  EXPECT_EQ(http("DELETE", item("not-a-uuid")).http_status, 400);
}

TEST_F(ScanRest, DeleteTakesTheIdInEitherCase) {
  http("POST", "/api/scans", create_payload(kId1));
  Reply r = http("DELETE", item("0B9A4A3E-4C1D-4F6E-9A7B-1C2D3E4F5A6B"));
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(parse(r.broadcast_payload)["id"], kId1);
}

TEST_F(ScanRest, WrongMethodIs405) {
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"PUT", "/api/scans"}, {"DELETE", "/api/scans"}, {"PATCH", "/api/scans"},
           {"GET", "/api/scans/" + std::string(kId1)}, {"POST", "/api/scans/" + std::string(kId1)},
           {"HEAD", "/api/scans"}}) {
    Reply r = http(method, target);
    EXPECT_EQ(r.http_status, 405) << method << " " << target;
    EXPECT_EQ(parse(r.body)["error"]["code"], "method_not_allowed");
  }
}

TEST_F(ScanRest, UnknownPathIs404) {
  for (const char* target : {"/api/scan", "/api/scans/", "/api/scansx", "/api/scans/a/b", "/", "/api"}) {
    Reply r = http("GET", target);
    EXPECT_EQ(r.http_status, 404) << target;
    EXPECT_EQ(parse(r.body)["error"]["code"], "not_found");
  }
}

}  // namespace
}  // namespace scansync::scans
