#include "scans/scan_validation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace scansync::scans {
namespace {

TEST(Uuid, AcceptsVersion4WithRfc4122Variant) {
  EXPECT_TRUE(is_uuid_v4("0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b"));
  EXPECT_TRUE(is_uuid_v4("0B9A4A3E-4C1D-4F6E-BA7B-1C2D3E4F5A6B"));  // iOS writes upper case
  EXPECT_TRUE(is_uuid_v4("00000000-0000-4000-8000-000000000000"));
}

TEST(Uuid, RejectsEverythingElse) {
  for (const char* s : {"", "0b9a4a3e4c1d4f6e9a7b1c2d3e4f5a6b", "0b9a4a3e-4c1d-1f6e-9a7b-1c2d3e4f5a6b",  // v1
                        "0b9a4a3e-4c1d-4f6e-7a7b-1c2d3e4f5a6b",                                        // variant
                        "0b9a4a3e-4c1d-4f6e-ca7b-1c2d3e4f5a6b", "0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6",
                        "0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6bb", "{0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6}",
                        "0b9a4a3g-4c1d-4f6e-9a7b-1c2d3e4f5a6b", "0b9a4a3e_4c1d-4f6e-9a7b-1c2d3e4f5a6b",
                        " b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b"}) {
    EXPECT_FALSE(is_uuid_v4(s)) << s;
  }
}

TEST(Uuid, CanonicalFormIsLowerCase) {
  EXPECT_EQ(canonical_uuid_v4("0B9A4A3E-4C1D-4F6E-BA7B-1C2D3E4F5A6B"), "0b9a4a3e-4c1d-4f6e-ba7b-1c2d3e4f5a6b");
  EXPECT_EQ(canonical_uuid_v4("0b9a4a3e-4C1d-4f6e-9a7b-1c2d3e4f5a6b"), "0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b");
  EXPECT_EQ(canonical_uuid_v4("0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b"), "0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b");
  EXPECT_EQ(canonical_uuid_v4("0b9a4a3e-4c1d-1f6e-9a7b-1c2d3e4f5a6b"), std::nullopt);
  EXPECT_EQ(canonical_uuid_v4("not-a-uuid"), std::nullopt);
}

TEST(NewScan, IdIsStoredInCanonicalForm) {
  nlohmann::json p = {{"id", "0B9A4A3E-4C1D-4F6E-BA7B-1C2D3E4F5A6B"},
                      {"code", "x"},
                      {"format", "qr"},
                      {"deviceId", "d"},
                      {"createdAt", "2026-11-26T04:46:28Z"}};
  NewScan s;
  ASSERT_EQ(validate_new_scan(p, 4096, s), "");
  EXPECT_EQ(s.id, "0b9a4a3e-4c1d-4f6e-ba7b-1c2d3e4f5a6b");
}

TEST(Utf8, AcceptsWellFormed) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII \x1d GS1"));
  EXPECT_TRUE(is_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x93\xA6"));  // é € 📦
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));
}

TEST(Utf8, RejectsMalformed) {
  for (const char* s : {"\xFF", "\xC3", "\xE2\x82", "\xF0\x9F\x93", "\x80", "\xC0\xAF" /* overlong */,
                        "\xE0\x80\xAF" /* overlong */, "\xED\xA0\x80" /* surrogate */,
                        "\xF4\x90\x80\x80" /* > U+10FFFF */, "\xF8\x88\x80\x80\x80", "ok\xC3("}) {
    EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(s);
  }
}

TEST(Formats, TheContractList) {
  for (const char* f : {"qr", "ean13", "ean8", "upc_a", "code128", "code39", "datamatrix", "pdf417", "aztec", "unknown"}) {
    EXPECT_TRUE(is_scan_format(f)) << f;
  }
  for (const char* f : {"", "QR", "upc-a", "ean", "qr "}) EXPECT_FALSE(is_scan_format(f)) << f;
}

TEST(UtcTime, CanonicalisesToMilliseconds) {
  EXPECT_EQ(canonical_utc_time("2026-11-26T04:46:28.123Z"), "2026-11-26T04:46:28.123Z");
  EXPECT_EQ(canonical_utc_time("2026-11-26T04:46:28Z"), "2026-11-26T04:46:28.000Z");
  EXPECT_EQ(canonical_utc_time("2026-11-26T04:46:28.1Z"), "2026-11-26T04:46:28.100Z");
  EXPECT_EQ(canonical_utc_time("2026-11-26T04:46:28.123456789Z"), "2026-11-26T04:46:28.123Z");
  EXPECT_EQ(canonical_utc_time("2026-11-26t04:46:28.5z"), "2026-11-26T04:46:28.500Z");
  EXPECT_EQ(canonical_utc_time("2024-02-29T23:59:59.999Z"), "2024-02-29T23:59:59.999Z");
}

TEST(UtcTime, RejectsNonUtcAndMalformed) {
  for (const char* s :
       {"", "2026-11-26", "2026-11-26T04:46:28", "2026-11-26T04:46:28.123", "2026-11-26T04:46:28+00:00",
        "2026-11-26T04:46:28.123+01:00", "2026-11-26 04:46:28Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T23:60:00Z",
        "2026-12-31T23:59:60Z", "2026-11-26T04:46:28.Z", "2026-11-26T04:46:28.1234567890Z",
        "2026-11-26T04:46:28.123ZZ", "26-11-26T04:46:28Z", "2026-1-26T04:46:28Z", "2026-11-26T04:46:2aZ",
        "+2026-11-26T04:46:28Z", "1764132388123"}) {
    EXPECT_FALSE(canonical_utc_time(s)) << s;
  }
}

TEST(UtcTime, FormatsUnixMilliseconds) {
  EXPECT_EQ(format_utc_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_ms(1'764'132'388'123), "2025-11-26T04:46:28.123Z");
  EXPECT_EQ(format_utc_ms(951'782'400'000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(format_utc_ms(-1), "1969-12-31T23:59:59.999Z");
}

nlohmann::json good() {
  return {{"id", "0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b"},
          {"code", "4006381333931"},
          {"format", "ean13"},
          {"deviceId", "pixel-7"},
          {"createdAt", "2026-11-26T04:46:28Z"}};
}

TEST(NewScan, ValidPayloadFillsTheScan) {
  NewScan s;
  auto p = good();
  p["userId"] = "mallory";  // ignored: the user comes from the token
  p["seq"] = 99;
  EXPECT_EQ(validate_new_scan(p, 4096, s), "");
  EXPECT_EQ(s.id, "0b9a4a3e-4c1d-4f6e-9a7b-1c2d3e4f5a6b");
  EXPECT_EQ(s.code, "4006381333931");
  EXPECT_EQ(s.format, "ean13");
  EXPECT_EQ(s.device_id, "pixel-7");
  EXPECT_EQ(s.created_at, "2026-11-26T04:46:28.000Z");
}

TEST(NewScan, CodeLengthIsCountedInBytes) {
  NewScan s;
  auto p = good();
  p["code"] = std::string(4096, 'x');
  EXPECT_EQ(validate_new_scan(p, 4096, s), "");
  p["code"] = std::string(4097, 'x');
  EXPECT_EQ(validate_new_scan(p, 4096, s), "code: longer than 4096 bytes");
  std::string euros;
  for (int i = 0; i < 1366; ++i) euros += "\xE2\x82\xAC";  // 4098 bytes, 1366 characters
  p["code"] = euros;
  EXPECT_EQ(validate_new_scan(p, 4096, s), "code: longer than 4096 bytes");
}

TEST(NewScan, EveryFieldError) {
  struct Case {
    const char* field;
    nlohmann::json value;  // null json + remove=true → field removed
    bool remove;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {"id", nullptr, true, "id: missing"},
      {"id", 42, false, "id: not a UUID v4"},
      {"id", "not-a-uuid", false, "id: not a UUID v4"},
      {"code", nullptr, true, "code: missing"},
      {"code", 4006381333931, false, "code: not a string"},
      {"code", "", false, "code: empty"},
      {"format", nullptr, true, "format: missing"},
      {"format", "QR", false, "format: unknown"},
      {"format", 1, false, "format: unknown"},
      {"deviceId", nullptr, true, "deviceId: missing"},
      {"deviceId", "", false, "deviceId: empty"},
      {"deviceId", std::string(257, 'd'), false, "deviceId: longer than 256 bytes"},
      {"deviceId", nullptr, false, "deviceId: not a string"},
      {"createdAt", nullptr, true, "createdAt: missing"},
      {"createdAt", 1764132388123, false, "createdAt: not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS.sssZ)"},
      {"createdAt", "2026-11-26T05:46:28+01:00", false,
       "createdAt: not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS.sssZ)"},
  };
  for (const auto& c : cases) {
    auto p = good();
    if (c.remove) {
      p.erase(c.field);
    } else {
      p[c.field] = c.value;
    }
    NewScan s;
    EXPECT_EQ(validate_new_scan(p, 4096, s), c.detail) << c.field << " = " << c.value.dump();
  }
  NewScan s;
  EXPECT_EQ(validate_new_scan(nlohmann::json::array(), 4096, s), "payload: not an object");
  EXPECT_EQ(validate_new_scan(nullptr, 4096, s), "payload: not an object");
}

}  // namespace
}  // namespace scansync::scans
