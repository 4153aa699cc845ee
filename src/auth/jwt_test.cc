#include "scansync/auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "auth/base64url.h"

namespace scansync::auth {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "test-secret-0123456789abcdef";

VerifierOptions opts() {
  VerifierOptions o;
  o.secret = kSecret;
  return o;
}

Claims alice() {
  Claims c;
  c.sub = "alice";
  c.iat = kNow;
  c.exp = kNow + 3600;
  return c;
}

std::string hmac(std::string_view key, std::string_view data, const EVP_MD* md = EVP_sha256()) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Builds a token from raw header and payload JSON text, signed with HS256
// unless `signature` is given.
std::string forge(std::string_view header, std::string_view payload, std::optional<std::string> signature = {},
                  const EVP_MD* md = EVP_sha256()) {
  std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  std::string sig = signature ? *signature : base64url_encode(hmac(kSecret, input, md));
  return input + "." + sig;
}

std::error_code verify_error(std::string_view token, const VerifierOptions& o = opts(), std::int64_t now = kNow) {
  return verify_hs256(token, o, now).error();
}

TEST(Jwt, RoundTrip) {
  Claims c = alice();
  c.iss = "scansync";
  c.aud = "gateway";
  c.nbf = kNow - 10;
  auto r = verify_hs256(sign_hs256(c, kSecret), opts(), kNow);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->sub, "alice");
  EXPECT_EQ(r->exp, kNow + 3600);
  EXPECT_EQ(r->iat, kNow);
  EXPECT_EQ(r->nbf, kNow - 10);
  EXPECT_EQ(r->iss, "scansync");
  EXPECT_EQ(r->aud, "gateway");
}

TEST(Jwt, TokenFromAnotherEncoderVerifies) {
  // Key order and extra claims/header fields of other libraries must not matter.
  const std::string t = forge(R"({"typ":"JWT","alg":"HS256","kid":"k1"})",
                              R"({"exp":1800003600,"name":"A","sub":"alice","iat":1800000000})");
  auto r = verify_hs256(t, opts(), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sub, "alice");
}

TEST(Jwt, HeaderWithoutTypIsAccepted) {
  EXPECT_FALSE(verify_error(forge(R"({"alg":"HS256"})", R"({"sub":"a","exp":1800003600})")));
}

TEST(Jwt, EmptyTokenIsMissing) { EXPECT_EQ(verify_error(""), errc::token_missing); }

TEST(Jwt, TamperedSignatureIsInvalid) {
  std::string t = sign_hs256(alice(), kSecret);
  t.back() = t.back() == 'A' ? 'Q' : 'A';
  EXPECT_EQ(verify_error(t), errc::token_invalid);
}

TEST(Jwt, TamperedPayloadIsInvalid) {
  const std::string t = sign_hs256(alice(), kSecret);
  const auto d1 = t.find('.'), d2 = t.rfind('.');
  Claims bob = alice();
  bob.sub = "bob";
  const std::string other = sign_hs256(bob, kSecret);
  const std::string bob_payload = other.substr(other.find('.') + 1, other.rfind('.') - other.find('.') - 1);
  const std::string spliced = t.substr(0, d1 + 1) + bob_payload + t.substr(d2);
  EXPECT_EQ(verify_error(spliced), errc::token_invalid);
}

TEST(Jwt, WrongSecretIsInvalid) {
  EXPECT_EQ(verify_error(sign_hs256(alice(), "another-secret")), errc::token_invalid);
}

TEST(Jwt, EmptyVerifierSecretRefusesEverything) {
  VerifierOptions o = opts();
  o.secret.clear();
  EXPECT_EQ(verify_error(sign_hs256(alice(), ""), o), errc::token_invalid);
}

TEST(Jwt, AlgNoneIsInvalid) {
  const std::string payload = R"({"sub":"alice","exp":1800003600})";
  EXPECT_EQ(verify_error(forge(R"({"alg":"none"})", payload, std::string(""))), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(R"({"alg":"none"})", payload)), errc::token_invalid);  // even with a valid MAC
  EXPECT_EQ(verify_error(forge(R"({"alg":"None"})", payload)), errc::token_invalid);
  // Two-segment form "header.payload." with an empty signature.
  const std::string unsigned_token =
      base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(payload) + ".";
  EXPECT_EQ(verify_error(unsigned_token), errc::token_invalid);
}

TEST(Jwt, OtherAlgorithmsAreInvalid) {
  const std::string payload = R"({"sub":"alice","exp":1800003600})";
  EXPECT_EQ(verify_error(forge(R"({"alg":"HS512"})", payload, std::nullopt, EVP_sha512())), errc::token_invalid);
  // HS256 MAC but the header claims HS512: the header decides, and it is refused.
  EXPECT_EQ(verify_error(forge(R"({"alg":"HS512"})", payload)), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(R"({"alg":"RS256"})", payload)), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(R"({"alg":"hs256"})", payload)), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(R"({"typ":"JWT"})", payload)), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(R"({"alg":256})", payload)), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(R"({"alg":"HS256","typ":1})", payload)), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(R"({"alg":"HS256","crit":["exp"]})", payload)), errc::token_invalid);
}

TEST(Jwt, ExpIsRequiredAndNumeric) {
  const std::string h = R"({"alg":"HS256"})";
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"alice"})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"alice","exp":"1800003600"})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"alice","exp":null})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"alice","exp":1e300})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"alice","exp":18446744073709551615})")), errc::token_invalid);
  EXPECT_FALSE(verify_error(forge(h, R"({"sub":"alice","exp":1800003600.5})")));
}

TEST(Jwt, SubIsRequiredNonEmptyString) {
  const std::string h = R"({"alg":"HS256"})";
  EXPECT_EQ(verify_error(forge(h, R"({"exp":1800003600})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"","exp":1800003600})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":42,"exp":1800003600})")), errc::token_invalid);
}

TEST(Jwt, OptionalClaimsMustHaveTheRightType) {
  const std::string h = R"({"alg":"HS256"})";
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"iat":"x"})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"nbf":true})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"iss":1})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"aud":{}})")), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"aud":["x",1]})")), errc::token_invalid);
}

TEST(Jwt, ExpiredAtAndAfterExp) {
  const std::string t = sign_hs256(alice(), kSecret);
  EXPECT_FALSE(verify_error(t, opts(), kNow + 3599));
  EXPECT_EQ(verify_error(t, opts(), kNow + 3600), errc::token_expired);
  EXPECT_EQ(verify_error(t, opts(), kNow + 100000), errc::token_expired);
  VerifierOptions lenient = opts();
  lenient.leeway_s = 30;
  EXPECT_FALSE(verify_error(t, lenient, kNow + 3629));
  EXPECT_EQ(verify_error(t, lenient, kNow + 3630), errc::token_expired);
}

TEST(Jwt, ExpiredButForgedIsInvalidNotExpired) {
  Claims c = alice();
  c.exp = kNow - 1;
  EXPECT_EQ(verify_error(sign_hs256(c, "wrong")), errc::token_invalid);
}

TEST(Jwt, NotBeforeInTheFuture) {
  Claims c = alice();
  c.nbf = kNow + 60;
  const std::string t = sign_hs256(c, kSecret);
  EXPECT_EQ(verify_error(t, opts(), kNow), errc::token_not_yet_valid);
  EXPECT_EQ(verify_error(t, opts(), kNow + 59), errc::token_not_yet_valid);
  EXPECT_FALSE(verify_error(t, opts(), kNow + 60));
  VerifierOptions lenient = opts();
  lenient.leeway_s = 60;
  EXPECT_FALSE(verify_error(t, lenient, kNow));
}

TEST(Jwt, LifetimeCapRefusesLongLivedTokens) {
  VerifierOptions capped = opts();
  capped.max_lifetime_s = 3600;
  EXPECT_FALSE(verify_error(sign_hs256(alice(), kSecret), capped));  // exactly the cap
  Claims c = alice();
  c.exp = kNow + 3601;  // exp - iat over the cap
  EXPECT_EQ(verify_error(sign_hs256(c, kSecret), capped), errc::token_lifetime_exceeded);
  EXPECT_EQ(wire_code(errc::token_lifetime_exceeded), "token_invalid");
  c.iat.reset();  // no iat: exp - now decides
  EXPECT_EQ(verify_error(sign_hs256(c, kSecret), capped), errc::token_lifetime_exceeded);
  EXPECT_FALSE(verify_error(sign_hs256(c, kSecret), capped, kNow + 1));
  c = alice();
  c.iat = kNow - 10;  // an old iat with a far exp: exp - iat counts
  c.exp = kNow + 3595;
  EXPECT_EQ(verify_error(sign_hs256(c, kSecret), capped), errc::token_lifetime_exceeded);
  c.exp = INT64_MAX;  // no overflow at the extremes
  c.iat = INT64_MIN;
  EXPECT_EQ(verify_error(sign_hs256(c, kSecret), capped), errc::token_lifetime_exceeded);
  EXPECT_FALSE(verify_error(sign_hs256(c, kSecret), opts()));  // no cap: accepted
}

TEST(Jwt, IssuerCheckedWhenConfigured) {
  VerifierOptions o = opts();
  o.issuer = "scansync";
  Claims c = alice();
  EXPECT_EQ(verify_error(sign_hs256(c, kSecret), o), errc::token_invalid);  // absent
  c.iss = "other";
  EXPECT_EQ(verify_error(sign_hs256(c, kSecret), o), errc::token_invalid);
  c.iss = "scansync";
  EXPECT_FALSE(verify_error(sign_hs256(c, kSecret), o));
  // Not configured: any issuer passes.
  c.iss = "other";
  EXPECT_FALSE(verify_error(sign_hs256(c, kSecret)));
}

TEST(Jwt, AudienceStringOrArray) {
  VerifierOptions o = opts();
  o.audience = "gateway";
  const std::string h = R"({"alg":"HS256"})";
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600})"), o), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"aud":"web"})"), o), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"aud":["web","api"]})"), o), errc::token_invalid);
  EXPECT_EQ(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"aud":[]})"), o), errc::token_invalid);
  EXPECT_FALSE(verify_error(forge(h, R"({"sub":"a","exp":1800003600,"aud":"gateway"})"), o));
  auto r = verify_hs256(forge(h, R"({"sub":"a","exp":1800003600,"aud":["web","gateway"]})"), o, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->aud, "gateway");
}

TEST(Jwt, GarbageTokensAreInvalid) {
  const std::string good = sign_hs256(alice(), kSecret);
  const std::string header = good.substr(0, good.find('.'));
  const std::string sig = good.substr(good.rfind('.') + 1);
  const std::string h = base64url_encode(R"({"alg":"HS256"})");
  const std::vector<std::string> table = {
      ".",
      "..",
      "...",
      "abc",
      "a.b",
      "a.b.c",
      "a.b.c.d",
      good + ".",
      "." + good,
      good + "=",
      good.substr(0, good.size() - 1),
      header + ".." + sig,
      header + "." + base64url_encode("{}") + "." + sig,
      " " + good,
      good + " ",
      "Bearer " + good,
      std::string("\0\0\0", 3),
      forge("not json", R"({"sub":"a","exp":1800003600})"),
      forge(R"(["alg","HS256"])", R"({"sub":"a","exp":1800003600})"),
      forge(R"({"alg":"HS256"})", "not json"),
      forge(R"({"alg":"HS256"})", R"(["sub","a"])"),
      forge(R"({"alg":"HS256"})", "null"),
      forge(R"({"alg":"HS256"})", R"({"sub":"a","exp":1800003600)"),
      forge(R"({"alg":"HS256"})", "{\"sub\":\"\xff\",\"exp\":1800003600}"),  // not UTF-8
      h + ".e30=." + sig,                                                    // padded payload
      h + ".e30." + sig + "AA",                                              // long signature
      h + ".e30." + sig.substr(0, 10),                                       // short signature
      h + ".e30.!!!!",
  };
  for (const auto& t : table) {
    EXPECT_EQ(verify_error(t), errc::token_invalid) << "token: " << t;
  }
}

TEST(Jwt, WireCodes) {
  EXPECT_EQ(wire_code(errc::token_missing), "token_missing");
  EXPECT_EQ(wire_code(errc::token_invalid), "token_invalid");
  EXPECT_EQ(wire_code(errc::token_expired), "token_expired");
  EXPECT_EQ(wire_code(errc::token_not_yet_valid), "token_invalid");
  EXPECT_EQ(wire_code(std::make_error_code(std::errc::io_error)), "token_invalid");
  EXPECT_STREQ(std::error_code(errc::token_expired).category().name(), "scansync.auth");
}

}  // namespace
}  // namespace scansync::auth
