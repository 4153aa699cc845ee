// The scan domain's socket events over a real SQLite repository: acks,
// broadcasts, validation, paging. (A garbage database file: store_tests.)
#include "scans/scan_requests.h"

#include "scans/scan_requests_test_util.h"

namespace scansync::scans {
namespace {

using namespace scansync::scans::testing;

class ScanEvents : public ScanDomainFixture {};

TEST_F(ScanEvents, CreateAcksTheScanAndBroadcastsTheSameBytes) {
  Reply r = event("scan:create", create_payload(kId1));
  const std::string scan = std::string(R"({"id":")") + kId1 +
                           R"(","userId":"alice","code":"4006381333931","format":"ean13","deviceId":"pixel-7",)"
                           R"("createdAt":"2026-11-26T04:46:28.123Z","seq":1})";
  EXPECT_EQ(r.body, R"({"ok":true,"scan":)" + scan + "}");
  EXPECT_EQ(r.broadcast_event, "scan:created");
  EXPECT_EQ(r.broadcast_payload, scan);
}

TEST_F(ScanEvents, SameIdAgainReturnsTheStoredScanWithoutBroadcast) {
  Reply first = event("scan:create", create_payload(kId1, "original"));
  Reply again = event("scan:create", create_payload(kId1, "changed"));
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.broadcast_event, "");
  EXPECT_EQ(again.broadcast_payload, "");
}

TEST_F(ScanEvents, UnicodeAndControlCharactersSurviveAsValidJson) {
  const std::string code = "GS1\x1d" "0104006381333931 \"q\" \\ \xE2\x82\xAC";
  Reply r = event("scan:create", create_payload(kId1, code));
  auto j = parse(r.body);
  EXPECT_EQ(j["scan"]["code"], code);
  EXPECT_EQ(parse(r.broadcast_payload)["code"], code);
}

TEST_F(ScanEvents, CreateValidationErrors) {
  struct Case {
    std::string payload;
    std::string detail;
  };
  auto with = [](const char* field, nlohmann::json v) {
    auto j = nlohmann::json::parse(create_payload(kId1));
    j[field] = std::move(v);
    return j.dump();
  };
  auto without = [](const char* field) {
    auto j = nlohmann::json::parse(create_payload(kId1));
    j.erase(field);
    return j.dump();
  };
  const std::vector<Case> cases = {
      {"", "payload: not JSON"},
      {"{", "payload: not JSON"},
      {"[1,2]", "payload: not an object"},
      {"\"x\"", "payload: not an object"},
      {"null", "payload: not an object"},
      {without("id"), "id: missing"},
      {with("id", "1234"), "id: not a UUID v4"},
      {with("id", "0b9a4a3e-4c1d-1f6e-9a7b-1c2d3e4f5a6b"), "id: not a UUID v4"},
      {without("code"), "code: missing"},
      {with("code", ""), "code: empty"},
      {with("code", std::string(4097, 'x')), "code: longer than 4096 bytes"},
      {with("code", 12), "code: not a string"},
      {with("format", "barcode"), "format: unknown"},
      {without("format"), "format: missing"},
      {with("deviceId", ""), "deviceId: empty"},
      {with("deviceId", std::string(300, 'd')), "deviceId: longer than 256 bytes"},
      {without("deviceId"), "deviceId: missing"},
      {with("createdAt", "yesterday"), "createdAt: not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS.sssZ)"},
      {without("createdAt"), "createdAt: missing"},
      // Invalid UTF-8 inside the JSON text: the parser refuses it.
      {"{\"id\":\"" + std::string(kId1) + "\",\"code\":\"\xff\"}", "payload: not JSON"},
  };
  for (const auto& c : cases) {
    Reply r = event("scan:create", c.payload);
    auto j = parse(r.body);
    EXPECT_EQ(j["ok"], false) << c.payload;
    EXPECT_EQ(j["error"], "invalid") << c.payload;
    EXPECT_EQ(j["detail"], c.detail) << c.payload;
    EXPECT_EQ(r.broadcast_event, "");
  }
  // None of them took a seq.
  EXPECT_EQ(parse(event("scan:create", create_payload(kId1)).body)["scan"]["seq"], 1);
}

TEST_F(ScanEvents, MaxCodeBytesIsConfigurable) {
  open_service(options([](DomainOptions& o) { o.max_code_bytes = 4; }));
  EXPECT_EQ(parse(event("scan:create", create_payload(kId1, "12345")).body)["detail"], "code: longer than 4 bytes");
  EXPECT_EQ(parse(event("scan:create", create_payload(kId1, "1234")).body)["ok"], true);
}

TEST_F(ScanEvents, AnotherUserMayHoldTheSameId) {
  event("scan:create", create_payload(kId1, "alice's"), "alice");
  Reply bobs = event("scan:create", create_payload(kId1, "bob's"), "bob");
  auto j = parse(bobs.body);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["scan"]["userId"], "bob");
  EXPECT_EQ(j["scan"]["code"], "bob's");
  EXPECT_EQ(j["scan"]["seq"], 1);
  EXPECT_EQ(bobs.broadcast_event, "scan:created");
  // Each deletes only their own.
  EXPECT_EQ(event("scan:delete", std::string(R"({"id":")") + kId1 + "\"}", "bob").body, R"({"ok":true,"seq":2})");
  auto alices = parse(event("scan:create", create_payload(kId1), "alice").body);
  EXPECT_EQ(alices["scan"]["code"], "alice's");
  EXPECT_FALSE(alices.contains("deletedSeq"));
}

TEST_F(ScanEvents, AnUpperCaseIdIsItsLowerCaseForm) {
  const std::string upper = "0B9A4A3E-4C1D-4F6E-9A7B-1C2D3E4F5A6B";  // kId1 in upper case
  Reply r = event("scan:create", create_payload(upper));
  auto j = parse(r.body);
  EXPECT_EQ(j["scan"]["id"], kId1);
  EXPECT_EQ(parse(r.broadcast_payload)["id"], kId1);
  Reply again = event("scan:create", create_payload(kId1));
  EXPECT_EQ(again.body, r.body);
  EXPECT_EQ(again.broadcast_event, "");
  Reply del = event("scan:delete", R"({"id":"0b9a4a3e-4C1D-4f6e-9A7B-1c2d3e4f5a6b"})");
  EXPECT_EQ(del.body, R"({"ok":true,"seq":2})");
  EXPECT_EQ(parse(del.broadcast_payload)["id"], kId1);
}

TEST_F(ScanEvents, DeleteAcksSeqAndBroadcastsTheTombstone) {
  event("scan:create", create_payload(kId1));
  Reply r = event("scan:delete", std::string(R"({"id":")") + kId1 + "\"}");
  EXPECT_EQ(r.body, R"({"ok":true,"seq":2})");
  EXPECT_EQ(r.broadcast_event, "scan:deleted");
  EXPECT_EQ(r.broadcast_payload, std::string(R"({"id":")") + kId1 +
                                     R"(","userId":"alice","seq":2,"deletedAt":"2026-11-26T04:46:28.123Z"})");
}

TEST_F(ScanEvents, DeleteTwiceAcksTheSameSeqAndBroadcastsOnce) {
  event("scan:create", create_payload(kId1));
  const std::string payload = std::string(R"({"id":")") + kId1 + "\"}";
  event("scan:delete", payload);
  now_ms_ += 5000;
  Reply again = event("scan:delete", payload);
  EXPECT_EQ(again.body, R"({"ok":true,"seq":2})");
  EXPECT_EQ(again.broadcast_event, "");
}

TEST_F(ScanEvents, DeleteErrors) {
  EXPECT_EQ(event("scan:delete", std::string(R"({"id":")") + kUnknownId + "\"}").body,
            R"({"ok":false,"error":"not_found"})");
  // Another user's scan is not found either.
  event("scan:create", create_payload(kId1), "bob");
  EXPECT_EQ(event("scan:delete", std::string(R"({"id":")") + kId1 + "\"}").body,
            R"({"ok":false,"error":"not_found"})");
  EXPECT_EQ(event("scan:delete", "{}").body, R"({"ok":false,"error":"invalid","detail":"id: missing"})");
  EXPECT_EQ(event("scan:delete", R"({"id":7})").body, R"({"ok":false,"error":"invalid","detail":"id: not a UUID v4"})");
  EXPECT_EQ(event("scan:delete", R"({"id":"x"})").body,
            R"({"ok":false,"error":"invalid","detail":"id: not a UUID v4"})");
  EXPECT_EQ(event("scan:delete", "nope").body, R"({"ok":false,"error":"invalid","detail":"payload: not JSON"})");
  EXPECT_EQ(event("scan:delete", "[]").body, R"({"ok":false,"error":"invalid","detail":"payload: not an object"})");
}

TEST_F(ScanEvents, CreateOfADeletedIdReportsTheDeletion) {
  event("scan:create", create_payload(kId1));
  event("scan:delete", std::string(R"({"id":")") + kId1 + "\"}");
  Reply r = event("scan:create", create_payload(kId1));
  auto j = parse(r.body);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["scan"]["seq"], 1);
  EXPECT_EQ(j["deletedSeq"], 2);
  EXPECT_EQ(r.broadcast_event, "");
}

TEST_F(ScanEvents, SyncSinceListsChangesInSeqOrder) {
  event("scan:create", create_payload(kId1));  // 1, superseded by 3
  event("scan:create", create_payload(kId2));  // 2
  event("scan:delete", std::string(R"({"id":")") + kId1 + "\"}");  // 3
  Reply r = event("sync:since", R"({"seq":0})");
  auto j = parse(r.body);
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["changes"].size(), 2u);
  EXPECT_EQ(j["changes"][0]["op"], "created");
  EXPECT_EQ(j["changes"][0]["scan"]["id"], kId2);
  EXPECT_EQ(j["changes"][0]["scan"]["seq"], 2);
  EXPECT_NE(r.body.find(std::string(R"({"op":"deleted","id":")") + kId1 +
                        R"(","seq":3,"deletedAt":"2026-11-26T04:46:28.123Z"})"),
            std::string::npos);
  EXPECT_EQ(j["latestSeq"], 3);
  EXPECT_EQ(j["hasMore"], false);
  EXPECT_EQ(r.broadcast_event, "");
  // Keys in the contract's order.
  EXPECT_EQ(r.body.rfind(R"({"ok":true,"changes":[)", 0), 0u);
  EXPECT_NE(r.body.find(R"(],"latestSeq":3,"epoch":")" + epoch() + R"(","hasMore":false})"), std::string::npos);
}

TEST_F(ScanEvents, SyncSincePagesWithLimitAndHasMore) {
  open_service(options([](DomainOptions& o) { o.max_page = 3; }));
  for (int i = 0; i < 7; ++i) ASSERT_EQ(parse(event("scan:create", create_payload(nth_id(i))).body)["ok"], true);
  auto page = [&](std::string payload) { return parse(event("sync:since", payload).body); };
  auto p1 = page(R"({"seq":0,"limit":2})");
  EXPECT_EQ(p1["changes"].size(), 2u);
  EXPECT_EQ(p1["hasMore"], true);
  EXPECT_EQ(p1["latestSeq"], 7);
  auto p2 = page(R"({"seq":2,"limit":1000})");  // clamped to max_page 3
  EXPECT_EQ(p2["changes"].size(), 3u);
  EXPECT_EQ(p2["changes"][0]["scan"]["seq"], 3);
  EXPECT_EQ(p2["hasMore"], true);
  auto p3 = page(R"({"seq":5})");  // default 100, clamped to 3
  EXPECT_EQ(p3["changes"].size(), 2u);
  EXPECT_EQ(p3["hasMore"], false);
  auto p0 = page(R"({"seq":0,"limit":0})");  // clamped up to 1
  EXPECT_EQ(p0["changes"].size(), 1u);
  EXPECT_EQ(page(R"({"seq":0,"limit":-5})")["changes"].size(), 1u);
  EXPECT_EQ(page(R"({"seq":7})")["changes"].size(), 0u);
}

TEST_F(ScanEvents, SyncSinceDefaultLimitIs100) {
  create_many(101);
  auto j = parse(event("sync:since", R"({"seq":0})").body);
  EXPECT_EQ(j["changes"].size(), 100u);
  EXPECT_EQ(j["hasMore"], true);
}

TEST_F(ScanEvents, SyncSinceValidation) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", "seq: missing"},
      {R"({"seq":"0"})", "seq: not an integer"},
      {R"({"seq":1.5})", "seq: not an integer"},
      {R"({"seq":null})", "seq: not an integer"},
      {R"({"seq":-1})", "seq: negative"},
      {R"({"seq":18446744073709551615})", "seq: not an integer"},
      {R"({"seq":0,"limit":"10"})", "limit: not an integer"},
      {"[0]", "payload: not an object"},
      {"", "payload: not JSON"},
  };
  for (const auto& [payload, detail] : cases) {
    auto j = parse(event("sync:since", payload).body);
    EXPECT_EQ(j["error"], "invalid") << payload;
    EXPECT_EQ(j["detail"], detail) << payload;
  }
}

TEST_F(ScanEvents, SyncSinceCursorExpired) {
  open_service(options([](DomainOptions& o) { o.tombstone_limit = 1; }));
  event("scan:create", create_payload(kId1));                       // 1
  event("scan:create", create_payload(kId2));                       // 2
  event("scan:delete", std::string(R"({"id":")") + kId1 + "\"}");  // 3
  event("scan:delete", std::string(R"({"id":")") + kId2 + "\"}");  // 4, prunes 3
  const std::string expired = R"({"ok":false,"error":"cursor_expired","epoch":")" + epoch() + R"("})";
  EXPECT_EQ(event("sync:since", R"({"seq":0})").body, expired);
  EXPECT_EQ(event("sync:since", R"({"seq":2})").body, expired);
  EXPECT_EQ(parse(event("sync:since", R"({"seq":3})").body)["changes"].size(), 1u);
  EXPECT_EQ(event("sync:since", R"({"seq":9})").body, expired);
}

TEST_F(ScanEvents, SyncSincePagesStopAtTheByteBound) {
  // 4 KB codes: a page of limit 1000 would be 4 MB; 256 KiB hold about 64.
  create_many(150, std::string(4096, 'x'));
  std::int64_t cursor = 0;
  std::vector<std::int64_t> seqs;
  for (int round = 0; round < 10; ++round) {
    Reply r = event("sync:since", R"({"seq":)" + std::to_string(cursor) + R"(,"limit":1000})");
    EXPECT_LT(r.body.size(), 300u * 1024) << round;
    auto j = parse(r.body);
    ASSERT_EQ(j["ok"], true);
    const auto n = j["changes"].size();
    if (round == 0) {
      EXPECT_GE(n, 55u);
      EXPECT_LE(n, 64u);
    }
    for (const auto& c : j["changes"]) seqs.push_back(c["scan"]["seq"]);
    if (!j["hasMore"].get<bool>()) break;
    cursor = seqs.back();
  }
  ASSERT_EQ(seqs.size(), 150u);
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<std::int64_t>(i) + 1);
}

TEST_F(ScanEvents, ASingleScanLargerThanThePageBoundIsStillListed) {
  open_service(options([](DomainOptions& o) { o.max_page_bytes = 10; }));
  create_many(3);
  auto j = parse(event("sync:since", R"({"seq":0})").body);
  EXPECT_EQ(j["changes"].size(), 1u);
  EXPECT_EQ(j["hasMore"], true);
}

TEST_F(ScanEvents, QuotaRefusesNewScansButNotKnownIds) {
  open_service(options([](DomainOptions& o) { o.max_scans_per_user = 2; }));
  create_many(2);
  Reply over = event("scan:create", create_payload(kId1));
  EXPECT_EQ(over.body, R"({"ok":false,"error":"quota_exceeded"})");
  EXPECT_EQ(over.broadcast_event, "");
  EXPECT_FALSE(over.store_error);
  // The same id again is answered; another user has a quota of their own.
  EXPECT_EQ(parse(event("scan:create", create_payload(nth_id(0))).body)["ok"], true);
  EXPECT_EQ(parse(event("scan:create", create_payload(kId1), "bob").body)["ok"], true);
  // A delete frees one; the refused create took no seq.
  EXPECT_EQ(event("scan:delete", R"({"id":")" + nth_id(0) + R"("})").body, R"({"ok":true,"seq":3})");
  EXPECT_EQ(parse(event("scan:create", create_payload(kId1)).body)["scan"]["seq"], 4);
}

TEST_F(ScanEvents, TheDefaultQuotaIsOneHundredThousand) { EXPECT_EQ(RequestOptions{}.max_scans_per_user, 100000u); }

TEST_F(ScanEvents, UnknownEvent) {
  EXPECT_EQ(event("scan:update", "{}").body, R"({"ok":false,"error":"unknown_event"})");
  EXPECT_EQ(event("", "{}").body, R"({"ok":false,"error":"unknown_event"})");
}

TEST_F(ScanEvents, DataSurvivesReopen) {
  event("scan:create", create_payload(kId1));
  open_service({});
  EXPECT_EQ(parse(event("scan:create", create_payload(kId2)).body)["scan"]["seq"], 2);
}

}  // namespace
}  // namespace scansync::scans
