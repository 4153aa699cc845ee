#include "gateway/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace scansync::gateway {
namespace {

TEST(Ids, TwentyBase64UrlCharacters) {
  for (int i = 0; i < 100; ++i) {
    std::string id = random_id();
    ASSERT_EQ(id.size(), 20u);
    for (char c : id) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << id;
    }
  }
}

TEST(Ids, NoRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(seen.insert(random_id()).second);
}

}  // namespace
}  // namespace scansync::gateway
