#include "device/new_scan.h"

#include <gtest/gtest.h>

#include <set>

#include "device/scan_json.h"

namespace scansync::device::detail {
namespace {

TEST(NewScan, IdsAreLowerCaseUuidV4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = new_scan_id();
    EXPECT_TRUE(is_uuid_v4(id)) << id;
    EXPECT_EQ(id.find_first_of("ABCDEF"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(NewScan, TimesAreRfc3339UtcWithMilliseconds) {
  using namespace std::chrono;
  EXPECT_EQ(rfc3339_utc(system_clock::time_point(milliseconds(0))), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_utc(system_clock::time_point(milliseconds(1795000000123))), "2026-11-18T11:06:40.123Z");
}

}  // namespace
}  // namespace scansync::device::detail
