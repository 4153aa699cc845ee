#include "gateway/rest_auth.h"

#include <gtest/gtest.h>

namespace scansync::gateway {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "jwt-secret-for-the-rest-auth-tests";
const std::string kKey = "ssk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kOldKey(40, 'o');

class RestAuthTest : public ::testing::Test {
 protected:
  RestAuthTest() { verifier_.secret = kSecret; }

  static std::string jwt_for(std::string sub, std::int64_t exp = kNow + 3600) {
    auth::Claims c;
    c.sub = std::move(sub);
    c.iat = kNow;
    c.exp = exp;
    return auth::sign_hs256(c, kSecret);
  }

  // authenticate_rest with "Bearer <bearer>" and `users` as the Scansync-User fields.
  RestAuthentication call(const std::string& bearer, std::initializer_list<std::string_view> users = {},
                          const auth::ApiKeyring* keys = nullptr) {
    authorization_ = "Bearer " + bearer;
    RestCredentials c{authorization_, users.size(), users.size() ? *users.begin() : std::string_view{}};
    return authenticate_rest(c, verifier_, keys ? *keys : keys_, kNow);
  }

  // By value: the argument is usually a temporary.
  static RestCaller caller(const RestAuthentication& a) {
    if (const auto* r = std::get_if<RestRefusal>(&a)) {
      ADD_FAILURE() << "refused: " << r->status << " " << r->code << " " << r->message;
      return RestCaller{"<refused>", std::nullopt};
    }
    return std::get<RestCaller>(a);
  }

  static RestRefusal refusal(const RestAuthentication& a) {
    if (const auto* r = std::get_if<RestRefusal>(&a)) return *r;
    ADD_FAILURE() << "accepted for " << std::get<RestCaller>(a).user;
    return {};
  }

  auth::VerifierOptions verifier_;
  auth::ApiKeyring keys_{{kOldKey, kKey}};
  std::string authorization_;
};

TEST_F(RestAuthTest, AKeyActsForTheUserItNames) {
  const RestCaller c = caller(call(kKey, {"alice"}));
  EXPECT_EQ(c.user, "alice");
  EXPECT_EQ(c.api_key, 1u) << "the key's position in the file";
  EXPECT_EQ(caller(call(kOldKey, {"bob"})).api_key, 0u);
  EXPECT_EQ(caller(call(kKey, {"auth0|5f1e-x@example.com"})).user, "auth0|5f1e-x@example.com");
}

TEST_F(RestAuthTest, AKeyWithoutScansyncUserIs400) {
  const RestRefusal r = refusal(call(kKey));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code, "invalid");
  EXPECT_EQ(r.message, "Scansync-User: missing; a server API key acts for the user it names");
}

TEST_F(RestAuthTest, AKeyWithAUserIdThatIsNotOneIs400) {
  for (std::string_view bad : {std::string_view(""), std::string_view("al ice"), std::string_view("\x01"),
                               std::string_view("caf\xc3\xa9"), std::string_view("a\tb")}) {
    const RestRefusal r = refusal(call(kKey, {bad}));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.code, "invalid");
    EXPECT_EQ(r.message, "Scansync-User: not a user id (1 to 256 visible ASCII characters)");
  }
  const std::string longest(256, 'u');
  EXPECT_EQ(caller(call(kKey, {longest})).user, longest);
  EXPECT_EQ(refusal(call(kKey, {longest + "u"})).status, 400);
}

TEST_F(RestAuthTest, ScansyncUserTwiceIs400ForKeysAndTokensAlike) {
  for (const std::string& bearer : {kKey, jwt_for("alice")}) {
    const RestRefusal r = refusal(call(bearer, {"alice", "alice"}));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.message, "Scansync-User: given more than once");
  }
}

TEST_F(RestAuthTest, AWrongKeyIs401TokenInvalidWhateverTheHeader) {
  std::string near = kKey;
  near.back() = 'e';
  for (const std::string& wrong : {near, kKey + "f", kKey.substr(1), std::string(40, 'x')}) {
    const RestRefusal r = refusal(call(wrong, {"alice"}));
    EXPECT_EQ(r.status, 401) << wrong;
    EXPECT_EQ(r.code, "token_invalid");
    EXPECT_EQ(r.message, "unauthorized");
  }
}

TEST_F(RestAuthTest, NoKeysConfiguredMeansNoKeyAccess) {
  const auth::ApiKeyring none;
  const RestRefusal r = refusal(call(kKey, {"alice"}, &none));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code, "token_invalid");
}

TEST_F(RestAuthTest, AUserTokenActsForItsOwnUser) {
  const RestCaller c = caller(call(jwt_for("alice")));
  EXPECT_EQ(c.user, "alice");
  EXPECT_EQ(c.api_key, std::nullopt);
  EXPECT_EQ(caller(call(jwt_for("alice"), {"alice"})).user, "alice") << "naming itself is harmless";
}

TEST_F(RestAuthTest, AUserTokenNeverActsForAnotherUser) {
  for (std::string_view other : {std::string_view("bob"), std::string_view("Alice"), std::string_view("alice "),
                                 std::string_view("")}) {
    const RestRefusal r = refusal(call(jwt_for("alice"), {other}));
    EXPECT_EQ(r.status, 403) << "'" << other << "'";
    EXPECT_EQ(r.code, "forbidden");
    EXPECT_EQ(r.message, "a user's token acts only for its own user; Scansync-User names another");
  }
}

TEST_F(RestAuthTest, TokenErrorsKeepTheirCodes) {
  EXPECT_EQ(refusal(call(jwt_for("alice", kNow - 1), {"alice"})).code, "token_expired");
  EXPECT_EQ(refusal(call("not-a-token")).code, "token_invalid");
  RestCredentials none{};
  const auto r = std::get<RestRefusal>(authenticate_rest(none, verifier_, keys_, kNow));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code, "token_missing");
  none.acting_user_count = 1;
  none.acting_user = "alice";
  EXPECT_EQ(std::get<RestRefusal>(authenticate_rest(none, verifier_, keys_, kNow)).code, "token_missing")
      << "a header alone authenticates nothing";
  const std::string basic_header = "Basic " + kKey;
  RestCredentials basic{basic_header, 1, "alice"};
  EXPECT_EQ(std::get<RestRefusal>(authenticate_rest(basic, verifier_, keys_, kNow)).status, 401)
      << "the key is a bearer token only";
}

TEST_F(RestAuthTest, AJwtSignedWithAKeyAsSecretIsNotAKey) {
  // A backend that mistakes its key for a signing secret gets no user's rights.
  auth::Claims c;
  c.sub = "alice";
  c.iat = kNow;
  c.exp = kNow + 60;
  EXPECT_EQ(refusal(call(auth::sign_hs256(c, kKey), {"alice"})).code, "token_invalid");
}

TEST(RestRateLimits, AKeyHasABucketOfItsOwnAcrossTheUsersItActsFor) {
  using Clock = RateLimiter::Clock;
  const Clock::time_point t0{};
  RestRateLimits limits(/*user*/ 1, 2, /*key*/ 1, 3);
  const RestCaller alice{"alice", std::nullopt};
  const RestCaller key_for_alice{"alice", 0};
  const RestCaller key_for_bob{"bob", 0};
  const RestCaller other_key{"alice", 1};
  EXPECT_FALSE(limits.admit(alice, t0));
  EXPECT_FALSE(limits.admit(alice, t0));
  const auto refused = limits.admit(alice, t0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->code, "rate_limited");
  EXPECT_EQ(refused->message, "too many requests for this user; retry later");

  // Alice's bucket is empty; the key acting for her is not held back by it.
  EXPECT_FALSE(limits.admit(key_for_alice, t0));
  EXPECT_FALSE(limits.admit(key_for_bob, t0));
  EXPECT_FALSE(limits.admit(key_for_alice, t0));
  const auto key_refused = limits.admit(key_for_bob, t0);
  ASSERT_TRUE(key_refused) << "one bucket per key, whichever user it acts for";
  EXPECT_EQ(key_refused->message, "too many requests with this API key; retry later");
  EXPECT_FALSE(limits.admit(other_key, t0)) << "another key has its own bucket";
  EXPECT_TRUE(limits.admit(alice, t0)) << "and the key's requests did not refill alice's";

  EXPECT_FALSE(limits.admit(key_for_bob, t0 + std::chrono::seconds(1))) << "refills at its rate";
  EXPECT_FALSE(limits.admit(alice, t0 + std::chrono::seconds(1)));
}

TEST(RestRateLimits, AUserNamedLikeAKeyIsStillAUser) {
  RestRateLimits limits(1, 1, 1, 1);
  const RestCaller user_0{"0", std::nullopt};
  EXPECT_FALSE(limits.admit(user_0, {}));
  EXPECT_FALSE(limits.admit(RestCaller{"x", 0}, {})) << "key 0's bucket is not user \"0\"'s";
}

TEST(RestRateLimits, RateZeroIsNoLimit) {
  RestRateLimits limits(0, 1, 0, 1);
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(limits.admit(RestCaller{"alice", std::nullopt}, {}));
    ASSERT_FALSE(limits.admit(RestCaller{"alice", 0}, {}));
  }
}

TEST(ValidActingUser, VisibleAsciiOneTo256Bytes) {
  EXPECT_TRUE(valid_acting_user("a"));
  EXPECT_TRUE(valid_acting_user("!~"));
  EXPECT_TRUE(valid_acting_user("8f14e45f-ceea-467f-a0e6-ad2b4c6c3b1e"));
  EXPECT_FALSE(valid_acting_user(""));
  EXPECT_FALSE(valid_acting_user(" "));
  EXPECT_FALSE(valid_acting_user("a\x7f"));
  EXPECT_FALSE(valid_acting_user(std::string(257, 'a')));
  EXPECT_TRUE(valid_acting_user(std::string(256, 'a')));
}

}  // namespace
}  // namespace scansync::gateway
