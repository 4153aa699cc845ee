#include <gtest/gtest.h>

#include "device/scan_json.h"
#include "scansync/device/device_store.h"
#include "scansync/proto/json_text.h"

namespace scansync::device {
namespace {

constexpr const char* kScan =
    R"({"id":"0b6f1f0e-2c4a-4d8e-9f3a-1c2b3d4e5f60","userId":"alice","code":"4006381333931",)"
    R"("format":"ean13","deviceId":"phone-1","createdAt":"2026-11-26T04:46:28.123Z","seq":42})";

TEST(DecodeScan, ReadsEveryMember) {
  auto s = decode_scan(kScan);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->id, "0b6f1f0e-2c4a-4d8e-9f3a-1c2b3d4e5f60");
  EXPECT_EQ(s->user_id, "alice");
  EXPECT_EQ(s->code, "4006381333931");
  EXPECT_EQ(s->format, "ean13");
  EXPECT_EQ(s->device_id, "phone-1");
  EXPECT_EQ(s->created_at, "2026-11-26T04:46:28.123Z");
  EXPECT_EQ(s->seq, 42);
  EXPECT_TRUE(s->synced);
}

TEST(DecodeScan, WhitespaceOrderAndUnknownMembers) {
  auto s = decode_scan(R"(  { "seq" : 7 , "extra" : {"id":"nested","a":[1,"}",{"b":null}]}, "code":"c",
      "format":"qr","deviceId":"d","createdAt":"t","userId":"u","id":"x","more":[true,false,-1.5e3] }  )");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->id, "x");  // not the nested object's id
  EXPECT_EQ(s->seq, 7);
  EXPECT_EQ(s->user_id, "u");
}

TEST(DecodeScan, UnescapesStringsAndKeys) {
  auto s = decode_scan(
      R"({"\u0069d":"i","userId":"u","code":"a\"b\\c\/d\n\u00e9\ud83d\ude00","format":"qr","deviceId":"d",)"
      R"("createdAt":"t","seq":1})");
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->id, "i");
  EXPECT_EQ(s->code, "a\"b\\c/d\n\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(DecodeScan, RawUtf8IsKept) {
  auto s = decode_scan(
      "{\"id\":\"i\",\"userId\":\"u\",\"code\":\"caf\xC3\xA9\",\"format\":\"qr\",\"deviceId\":\"d\","
      "\"createdAt\":\"t\",\"seq\":1}");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->code, "caf\xC3\xA9");
}

TEST(DecodeScan, MissingMemberIsRefused) {
  for (const char* member : {"id", "userId", "code", "format", "deviceId", "createdAt", "seq"}) {
    std::string json = kScan;
    const std::string key = std::string("\"") + member + "\":";
    const auto at = json.find(key);
    ASSERT_NE(at, std::string::npos) << member;
    json.replace(at, key.size(), std::string("\"x") + member + "\":");  // renamed: unknown, so missing
    auto s = decode_scan(json);
    ASSERT_FALSE(s.ok()) << member;
    EXPECT_EQ(s.error(), errc::bad_scan) << member;
  }
}

TEST(DecodeScan, MistypedMemberIsRefused) {
  const char* cases[] = {
      R"({"id":1,"userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":1})",
      R"({"id":"","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":1})",
      R"({"id":"i","userId":null,"code":"c","format":"f","deviceId":"d","createdAt":"t","seq":1})",
      R"({"id":"i","userId":"u","code":["c"],"format":"f","deviceId":"d","createdAt":"t","seq":1})",
      R"({"id":"i","userId":"u","code":"c","format":true,"deviceId":"d","createdAt":"t","seq":1})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":{},"createdAt":"t","seq":1})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":5,"seq":1})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":"1"})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":1.5})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":1e3})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":-1})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":0})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":99999999999999999999})",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":null})",
      // A repeated member: which value would be right?
      R"({"id":"i","id":"j","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":1})",
  };
  for (const char* json : cases) {
    auto s = decode_scan(json);
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_EQ(s.error(), errc::bad_scan) << json;
  }
}

TEST(DecodeScan, InvalidTextIsRefused) {
  const char* cases[] = {
      "", "   ", "[]", "\"id\"", "42", "null", "{", R"({"id":"i",})", R"({"id":"i"} x)",
      R"({"id":"i","userId":"u","code":"c","format":"f","deviceId":"d","createdAt":"t","seq":1)",
      "{\"id\":\"\xC3\",\"userId\":\"u\",\"code\":\"c\",\"format\":\"f\",\"deviceId\":\"d\",\"createdAt\":\"t\","
      "\"seq\":1}",
      R"({"id":"i","userId":"u","code":"\x","format":"f","deviceId":"d","createdAt":"t","seq":1})",
  };
  for (const char* json : cases) {
    auto s = decode_scan(json);
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_EQ(s.error(), errc::bad_scan) << json;
  }
}

TEST(DecodeDeletion, LiveEventAndPageEntry) {
  auto live = decode_deletion(R"({"id":"i","userId":"alice","seq":9,"deletedAt":"2026-01-01T00:00:00.000Z"})");
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(*live, (Deletion{"i", 9, "2026-01-01T00:00:00.000Z", "alice"}));
  auto entry = decode_deletion(R"({"op":"deleted","id":"i","seq":9,"deletedAt":"t"})");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->user_id, "");
  EXPECT_EQ(entry->seq, 9);
  for (const char* bad : {R"({"userId":"a","seq":9,"deletedAt":"t"})", R"({"id":"i","deletedAt":"t"})",
                          R"({"id":"i","seq":9})", R"({"id":"i","seq":"9","deletedAt":"t"})",
                          R"({"id":"i","userId":7,"seq":9,"deletedAt":"t"})"}) {
    EXPECT_EQ(decode_deletion(bad).error(), errc::bad_scan) << bad;
  }
}

TEST(DecodePageChange, CreatedAndDeleted) {
  auto created = decode_page_change(std::string(R"({"op":"created","scan":)") + kScan + "}");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->op, ServerChange::Op::created);
  EXPECT_EQ(created->seq, 42);
  EXPECT_EQ(created->scan.code, "4006381333931");
  auto deleted = decode_page_change(R"({"op":"deleted","id":"i","seq":43,"deletedAt":"t"})");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->op, ServerChange::Op::deleted);
  EXPECT_EQ(deleted->seq, 43);
  EXPECT_EQ(deleted->deletion.id, "i");
  for (const char* bad : {R"({"op":"created"})", R"({"op":"updated","id":"i","seq":1,"deletedAt":"t"})",
                          R"({"scan":{}})", R"({"op":"created","scan":{"id":"i"}})", R"({"op":1})"}) {
    EXPECT_EQ(decode_page_change(bad).error(), errc::bad_scan) << bad;
  }
}

TEST(DecodeServerChange, FillsSeq) {
  auto c = decode_server_change(ServerChange::Op::created, kScan);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->seq, 42);
  EXPECT_EQ(decode_server_change(ServerChange::Op::deleted, kScan).error(), errc::bad_scan);  // no deletedAt
}

TEST(CreatePayload, IsTheScanCreateArgument) {
  Scan s{"0b6f1f0e-2c4a-4d8e-9f3a-1c2b3d4e5f60", "alice", "a\"b\n", "qr", "phone", "2026-01-01T00:00:00.000Z"};
  const std::string payload = detail::create_payload(s);
  EXPECT_TRUE(json::is_valid(payload));
  EXPECT_EQ(payload,
            R"({"id":"0b6f1f0e-2c4a-4d8e-9f3a-1c2b3d4e5f60","code":"a\"b\n","format":"qr","deviceId":"phone",)"
            R"("createdAt":"2026-01-01T00:00:00.000Z"})");
  EXPECT_EQ(detail::remove_payload("x\"y"), R"({"id":"x\"y"})");
}

TEST(Uuid, V4Only) {
  EXPECT_TRUE(detail::is_uuid_v4("0b6f1f0e-2c4a-4d8e-9f3a-1c2b3d4e5f60"));
  EXPECT_TRUE(detail::is_uuid_v4("0B6F1F0E-2C4A-4D8E-BF3A-1C2B3D4E5F60"));
  EXPECT_FALSE(detail::is_uuid_v4("0b6f1f0e-2c4a-1d8e-9f3a-1c2b3d4e5f60"));  // version 1
  EXPECT_FALSE(detail::is_uuid_v4("0b6f1f0e-2c4a-4d8e-cf3a-1c2b3d4e5f60"));  // variant
  EXPECT_FALSE(detail::is_uuid_v4("0b6f1f0e2c4a4d8e9f3a1c2b3d4e5f60"));
  EXPECT_FALSE(detail::is_uuid_v4("0b6f1f0e-2c4a-4d8e-9f3a-1c2b3d4e5f6g"));
}

}  // namespace
}  // namespace scansync::device
