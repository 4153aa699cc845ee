#include "gateway/web_files.h"

#include <gtest/gtest.h>

namespace scansync::gateway {
namespace {

TEST(WebFilePath, NamesFilesUnderTheRoot) {
  EXPECT_EQ(web_file_path("/"), "index.html");
  EXPECT_EQ(web_file_path("/index.html"), "index.html");
  EXPECT_EQ(web_file_path("/app.js"), "app.js");
  EXPECT_EQ(web_file_path("/assets/scansync.wasm"), "assets/scansync.wasm");
  EXPECT_EQ(web_file_path("/docs/"), "docs/index.html");
  EXPECT_EQ(web_file_path("/a%20b.txt"), "a b.txt") << "percent-decoded";
  EXPECT_EQ(web_file_path("/%61pp.js"), "app.js");
  EXPECT_EQ(web_file_path("/a+b.js"), "a+b.js") << "+ is not a space in a path";
  EXPECT_EQ(web_file_path("/caf%C3%A9.js"), "caf\xC3\xA9.js");
  EXPECT_EQ(web_file_path("/x..y.js"), "x..y.js") << "dots inside a name are fine";
}

TEST(WebFilePath, RefusesTraversalAndHiddenFiles) {
  for (const char* bad : {"", "index.html", "/..", "/../etc/passwd", "/a/../../b", "/a/..", "/./index.html",
                          "/%2e%2e/etc/passwd", "/%2E%2E/x", "/.%2e/x", "/..%2Fetc%2Fpasswd", "/a%2fb",
                          "/.git/config", "/.env", "/a/.hidden", "//etc/passwd", "/a//b", "/a\\..\\b",
                          "/a%5c..%5cb", "/a%00.html", "/a%0a", "/a%7f", "/%", "/%4", "/%zz", "/a%2",
                          "/%%32%65%32%65"}) {
    EXPECT_EQ(web_file_path(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(web_file_path(std::string_view("/a\0b", 4)), std::nullopt) << "raw NUL";
  EXPECT_EQ(web_file_path("/" + std::string(kMaxWebPath, 'a')), std::nullopt) << "too long";
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(content_type_of("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_of("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_of("app.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_of("scansync.wasm"), "application/wasm");
  EXPECT_EQ(content_type_of("a/style.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_of("manifest.json"), "application/json");
  EXPECT_EQ(content_type_of("app.js.map"), "application/json");
  EXPECT_EQ(content_type_of("logo.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_of("logo.png"), "image/png");
  EXPECT_EQ(content_type_of("README"), "application/octet-stream");
  EXPECT_EQ(content_type_of("a.b/README"), "application/octet-stream") << "a dot in a folder is no extension";
  EXPECT_EQ(content_type_of("x.exe"), "application/octet-stream");
}

TEST(AcceptsGzip, HonoursQualities) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("br, deflate"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0, *")) << "an explicit refusal beats the wildcard";
  EXPECT_FALSE(accepts_gzip("gzip;q=abc")) << "a malformed q is no acceptance";
  EXPECT_FALSE(accepts_gzip("gzipx"));
}

TEST(HttpDate, RoundTrips) {
  EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date(http_date(1764633600)), 1764633600);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), std::nullopt) << "obsolete formats ignored";
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 0x Nov 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date(""), std::nullopt);
}

TEST(NotModified, EtagFirstThenDate) {
  const std::string etag = entity_tag(10, 123, false);
  EXPECT_EQ(etag, "\"a-7b\"");
  EXPECT_EQ(entity_tag(10, 123, true), "\"a-7b-gz\"") << "the gzip representation has its own tag";
  EXPECT_TRUE(not_modified(etag, "", etag, 100));
  EXPECT_TRUE(not_modified("\"x\", " + etag, "", etag, 100));
  EXPECT_TRUE(not_modified("W/" + etag, "", etag, 100)) << "weak comparison";
  EXPECT_TRUE(not_modified("*", "", etag, 100));
  EXPECT_FALSE(not_modified("\"other\"", "", etag, 100));
  EXPECT_FALSE(not_modified("\"other\"", http_date(200), etag, 100)) << "If-None-Match decides when present";
  EXPECT_TRUE(not_modified("", http_date(100), etag, 100));
  EXPECT_TRUE(not_modified("", http_date(200), etag, 100));
  EXPECT_FALSE(not_modified("", http_date(99), etag, 100)) << "modified since";
  EXPECT_FALSE(not_modified("", "yesterday", etag, 100));
  EXPECT_FALSE(not_modified("", "", etag, 100));
}

}  // namespace
}  // namespace scansync::gateway
