#include "gateway/cors_policy.h"

#include <gtest/gtest.h>

namespace scansync::gateway {
namespace {

std::string canon(std::string_view s) {
  auto r = canonical_origin(s);
  return r ? *r : "error: " + r.error().message();
}

TEST(CanonicalOrigin, SerialisesAsRfc6454) {
  EXPECT_EQ(canon("http://example.com"), "http://example.com");
  EXPECT_EQ(canon("HTTPS://Example.COM"), "https://example.com");
  EXPECT_EQ(canon("http://example.com:80"), "http://example.com") << "default port left out";
  EXPECT_EQ(canon("https://example.com:443"), "https://example.com");
  EXPECT_EQ(canon("http://example.com:443"), "http://example.com:443") << "443 is not http's default";
  EXPECT_EQ(canon("http://127.0.0.1:08080"), "http://127.0.0.1:8080");
  EXPECT_EQ(canon("http://[::1]:3000"), "http://[::1]:3000");
  EXPECT_EQ(canon("http://[::1]"), "http://[::1]");
  EXPECT_EQ(canon("app://local-host_1"), "app://local-host_1");
}

TEST(CanonicalOrigin, RefusesWhatIsNotAnOrigin) {
  EXPECT_EQ(canonical_origin("example.com").error(), CorsError::not_an_origin);
  EXPECT_EQ(canonical_origin("").error(), CorsError::not_an_origin);
  EXPECT_EQ(canonical_origin("*.example.com").error(), CorsError::not_an_origin);
  EXPECT_EQ(canonical_origin("null").error(), CorsError::opaque_origin);
  EXPECT_EQ(canonical_origin("http://example.com/").error(), CorsError::has_path) << "trailing slash";
  EXPECT_EQ(canonical_origin("http://example.com/app").error(), CorsError::has_path);
  EXPECT_EQ(canonical_origin("http://example.com?x").error(), CorsError::has_path);
  EXPECT_EQ(canonical_origin("http://example.com#x").error(), CorsError::has_path);
  EXPECT_EQ(canonical_origin("http://").error(), CorsError::bad_host);
  EXPECT_EQ(canonical_origin("http://user@example.com").error(), CorsError::bad_host);
  EXPECT_EQ(canonical_origin("http://exa mple.com").error(), CorsError::bad_host);
  EXPECT_EQ(canonical_origin("http://*.example.com").error(), CorsError::bad_host);
  EXPECT_EQ(canonical_origin("http://[::1").error(), CorsError::bad_host) << "unclosed IPv6 literal";
  EXPECT_EQ(canonical_origin("http://example.com:").error(), CorsError::bad_port);
  EXPECT_EQ(canonical_origin("http://example.com:0").error(), CorsError::bad_port);
  EXPECT_EQ(canonical_origin("http://example.com:65536").error(), CorsError::bad_port);
  EXPECT_EQ(canonical_origin("http://example.com:123456").error(), CorsError::bad_port);
  EXPECT_EQ(canonical_origin("http://example.com:8o").error(), CorsError::bad_port);
  EXPECT_EQ(canonical_origin("1http://example.com").error(), CorsError::bad_scheme);
  EXPECT_EQ(canonical_origin("://example.com").error(), CorsError::bad_scheme);
  EXPECT_EQ(canonical_origin(std::string_view("http://example.com\0x", 20)).error(), CorsError::bad_host);
  EXPECT_EQ(std::string(canonical_origin("http://a/").error().category().name()), "scansync.cors");
  EXPECT_NE(canonical_origin("http://a/").error().message().find("trailing /"), std::string::npos);
}

TEST(CorsPolicy, NothingConfiguredAnswersNoCors) {
  CorsPolicy p;
  EXPECT_FALSE(p.configured());
  EXPECT_TRUE(p.answer("http://evil.example").allow_origin.empty());
  EXPECT_FALSE(p.varies_by_origin());
  EXPECT_TRUE(p.allows_websocket("http://evil.example", "127.0.0.1:8080")) << "unchecked when nothing is configured";
}

TEST(CorsPolicy, ListedOriginsGetTheirOriginWithCredentials) {
  auto p = CorsPolicy::from({"http://app.example:3000", "https://Other.example:443"});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->configured());
  EXPECT_TRUE(p->varies_by_origin());
  auto a = p->answer("http://app.example:3000");
  EXPECT_EQ(a.allow_origin, "http://app.example:3000");
  EXPECT_TRUE(a.allow_credentials);
  EXPECT_EQ(p->answer("https://other.example").allow_origin, "https://other.example");
  EXPECT_TRUE(p->answer("http://app.example:3001").allow_origin.empty()) << "the port is part of the origin";
  EXPECT_TRUE(p->answer("https://app.example:3000").allow_origin.empty()) << "so is the scheme";
  EXPECT_TRUE(p->answer("http://app.example:3000.evil.example").allow_origin.empty()) << "no prefix match";
  EXPECT_TRUE(p->answer("http://evil.example").allow_origin.empty());
  EXPECT_TRUE(p->answer("null").allow_origin.empty());
  EXPECT_TRUE(p->answer("").allow_origin.empty()) << "no Origin: not a CORS request";
}

TEST(CorsPolicy, StarMeansAnyOriginWithoutCredentials) {
  auto p = CorsPolicy::from({"*"});
  ASSERT_TRUE(p);
  auto a = p->answer("http://anything.example");
  EXPECT_EQ(a.allow_origin, "*");
  EXPECT_FALSE(a.allow_credentials);
  EXPECT_EQ(p->answer("null").allow_origin, "*");
  EXPECT_FALSE(p->varies_by_origin());
  EXPECT_TRUE(p->allows_websocket("http://anything.example", "127.0.0.1:8080"));

  auto both = CorsPolicy::from({"*", "http://app.example"});
  ASSERT_TRUE(both);
  EXPECT_TRUE(both->answer("http://app.example").allow_credentials) << "a listed origin keeps its credentials";
  EXPECT_FALSE(both->answer("http://else.example").allow_credentials);
  EXPECT_TRUE(both->varies_by_origin());
}

TEST(CorsPolicy, ABadValueIsTheError) {
  EXPECT_EQ(CorsPolicy::from({"http://ok.example", "http://bad.example/"}).error(), CorsError::has_path);
  EXPECT_EQ(CorsPolicy::from({"null"}).error(), CorsError::opaque_origin);
  EXPECT_EQ(CorsPolicy::from({"**"}).error(), CorsError::not_an_origin);
  EXPECT_TRUE(CorsPolicy::from({}));
}

TEST(CorsPolicy, WebSocketOriginCheckedWhenConfigured) {
  auto p = CorsPolicy::from({"http://app.example:3000"});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->allows_websocket("http://app.example:3000", "gw.example:8080"));
  EXPECT_TRUE(p->allows_websocket("HTTP://APP.example:3000", "gw.example:8080"));
  EXPECT_FALSE(p->allows_websocket("http://evil.example", "gw.example:8080"));
  EXPECT_FALSE(p->allows_websocket("null", "gw.example:8080"));
  EXPECT_FALSE(p->allows_websocket("garbage", "gw.example:8080"));
  EXPECT_TRUE(p->allows_websocket("", "gw.example:8080")) << "native clients send no Origin";
  // The gateway's own page.
  EXPECT_TRUE(p->allows_websocket("http://gw.example:8080", "gw.example:8080"));
  EXPECT_TRUE(p->allows_websocket("http://gw.example", "GW.example:80"));
  EXPECT_TRUE(p->allows_websocket("https://gw.example", "gw.example"));
  EXPECT_TRUE(p->allows_websocket("http://[::1]:8080", "[::1]:8080"));
  EXPECT_FALSE(p->allows_websocket("http://gw.example:8081", "gw.example:8080"));
  EXPECT_FALSE(p->allows_websocket("http://gw.example", ""));
  EXPECT_FALSE(p->allows_websocket("http://gw.example", "gw.example/x"));
}

}  // namespace
}  // namespace scansync::gateway
