#include <gtest/gtest.h>

#include "scansync/client/native_client.h"

namespace scansync::client {
namespace {

TEST(ServerUrl, WsWithPortAndDefaultPath) {
  auto url = parse_server_url("ws://127.0.0.1:3000");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 3000);
  EXPECT_EQ(url->path, "/socket.io/");
  EXPECT_EQ(url->query, "");
}

TEST(ServerUrl, HttpMapsToWsAndHttpsToWss) {
  auto http = parse_server_url("http://example.com");
  ASSERT_TRUE(http.ok());
  EXPECT_FALSE(http->tls);
  EXPECT_EQ(http->port, 80);
  auto https = parse_server_url("HTTPS://Example.COM/");
  ASSERT_TRUE(https.ok());
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->host, "example.com");
  EXPECT_EQ(https->path, "/socket.io/");
  auto wss = parse_server_url("wss://gw.example.com:8443/rt/");
  ASSERT_TRUE(wss.ok());
  EXPECT_TRUE(wss->tls);
  EXPECT_EQ(wss->port, 8443);
  EXPECT_EQ(wss->path, "/rt/");
}

TEST(ServerUrl, PathGetsTrailingSlashAndQueryIsKept) {
  auto url = parse_server_url("ws://h:1/custom/io?tenant=a&x=1#frag");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->path, "/custom/io/");
  EXPECT_EQ(url->query, "tenant=a&x=1");
  auto query_only = parse_server_url("ws://h?x=1");
  ASSERT_TRUE(query_only.ok());
  EXPECT_EQ(query_only->path, "/socket.io/");
  EXPECT_EQ(query_only->query, "x=1");
}

TEST(ServerUrl, Ipv6Literal) {
  auto url = parse_server_url("ws://[::1]:8080/");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  auto no_port = parse_server_url("wss://[2001:DB8::1]");
  ASSERT_TRUE(no_port.ok());
  EXPECT_EQ(no_port->host, "2001:db8::1");
  EXPECT_EQ(no_port->port, 443);
}

TEST(ServerUrl, RejectsBadInput) {
  for (const char* text : {
           "", "localhost:3000", "ftp://host", "ws//host", "ws://", "ws://:80", "ws://host:", "ws://host:0",
           "ws://host:65536", "ws://host:12ab", "ws://host:-1", "ws://user:pw@host", "ws://ho st", "ws://host/a b",
           "ws://[::1", "ws://[]:80", "ws://[::1]x", "ws://[::1]:", "ws://[zz::1]", "ws://host\n", "ws://h\xc3\xa9",
           "ws://host//double", "ws://host;evil"}) {
    auto url = parse_server_url(text);
    EXPECT_FALSE(url.ok()) << "accepted: " << text;
    if (!url.ok()) {
      EXPECT_EQ(url.error(), make_error_code(native_errc::bad_url)) << text;
    }
  }
}

TEST(ServerUrl, ErrorsHaveMessages) {
  EXPECT_NE(make_error_code(native_errc::bad_url).message(), "");
  EXPECT_STREQ(native_category().name(), "scansync.native");
}

}  // namespace
}  // namespace scansync::client
