#include "auth/api_keyring.h"

#include <gtest/gtest.h>

namespace scansync::auth {
namespace {

const std::string kOld(40, 'o');
const std::string kNew = "ssk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ApiKeyring, MatchesEachKeyByPosition) {
  const ApiKeyring ring({kOld, kNew});
  EXPECT_EQ(ring.size(), 2u);
  EXPECT_EQ(ring.match(kOld), 0u);
  EXPECT_EQ(ring.match(kNew), 1u);
}

TEST(ApiKeyring, AnythingElseDoesNotMatch) {
  const ApiKeyring ring({kOld, kNew});
  EXPECT_EQ(ring.match(""), std::nullopt);
  EXPECT_EQ(ring.match(kNew.substr(0, kNew.size() - 1)), std::nullopt) << "a prefix";
  EXPECT_EQ(ring.match(kNew + "0"), std::nullopt) << "a longer token";
  std::string flipped = kNew;
  flipped.back() = 'e';
  EXPECT_EQ(ring.match(flipped), std::nullopt) << "one character off";
  EXPECT_EQ(ring.match("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"), std::nullopt);
}

TEST(ApiKeyring, NoKeysMatchesNothing) {
  const ApiKeyring none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.match(kNew), std::nullopt);
  EXPECT_EQ(none.match(""), std::nullopt);
}

TEST(ApiKeyring, ADuplicatedKeyMatchesItsFirstPosition) {
  const ApiKeyring ring({kNew, kOld, kNew});
  EXPECT_EQ(ring.match(kNew), 0u);
}

}  // namespace
}  // namespace scansync::auth
