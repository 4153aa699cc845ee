#include "connect_auth.h"

#include <gtest/gtest.h>

namespace scansync::client {
namespace {

TEST(ConnectAuth, UrlEncode) {
  EXPECT_EQ(url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(url_encode("a b+c/=&?"), "a%20b%2Bc%2F%3D%26%3F");
  EXPECT_EQ(url_encode("\xc3\xa9"), "%C3%A9");
}

TEST(ConnectAuth, Query) {
  EXPECT_EQ(handshake_query("t.o.k", false), "EIO=4&transport=websocket");
  EXPECT_EQ(handshake_query("t.o k", true), "EIO=4&transport=websocket&token=t.o%20k");
  EXPECT_EQ(handshake_query("", true), "EIO=4&transport=websocket");
}

TEST(ConnectAuth, AuthObject) {
  EXPECT_EQ(auth_object("jwt", std::nullopt, std::nullopt), R"({"token":"jwt"})");
  EXPECT_EQ(auth_object("", std::nullopt, std::nullopt), "{}");
  EXPECT_EQ(auth_object("j\"w", std::string("p1"), std::string(R"("o-7")")),
            R"({"token":"j\"w","pid":"p1","offset":"o-7"})");
  EXPECT_EQ(auth_object("jwt", std::string("p1"), std::nullopt), R"({"token":"jwt","pid":"p1"})");
  // An offset is only ever a string literal; anything else is left out.
  EXPECT_EQ(auth_object("jwt", std::string("p1"), std::string("1}")), R"({"token":"jwt","pid":"p1"})");
  // No pid, no offset.
  EXPECT_EQ(auth_object("jwt", std::nullopt, std::string(R"("o")")), R"({"token":"jwt"})");
}

TEST(ConnectAuth, ConnectAck) {
  auto a = parse_connect_ack(R"({"sid":"s1"})");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->sid, "s1");
  EXPECT_FALSE(a->pid.has_value());
  a = parse_connect_ack(R"({"sid":"s1","pid":"p9"})");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->pid, "p9");
  EXPECT_FALSE(parse_connect_ack("").has_value());
  EXPECT_FALSE(parse_connect_ack("{}").has_value());
  EXPECT_FALSE(parse_connect_ack(R"({"sid":1})").has_value());
  EXPECT_FALSE(parse_connect_ack(R"({"sid":""})").has_value());
}

TEST(ConnectAuth, ConnectErrorCodes) {
  auto r = parse_connect_error(R"({"message":"unauthorized","data":{"code":"token_expired"}})");
  EXPECT_EQ(r.kind, Refusal::token_expired);
  EXPECT_EQ(r.code, "token_expired");
  EXPECT_EQ(r.message, "unauthorized");
  EXPECT_EQ(parse_connect_error(R"({"message":"unauthorized","data":{"code":"token_invalid"}})").kind,
            Refusal::token_invalid);
  EXPECT_EQ(parse_connect_error(R"({"message":"unauthorized","data":{"code":"token_missing"}})").kind,
            Refusal::token_missing);
  r = parse_connect_error(R"({"message":"unauthorized","data":{"code":"banned"}})");
  EXPECT_EQ(r.kind, Refusal::unauthorized);
  EXPECT_EQ(r.code, "banned");
  r = parse_connect_error(R"({"message":"unauthorized"})");
  EXPECT_EQ(r.kind, Refusal::unauthorized);
  EXPECT_EQ(r.code, "unauthorized");
  r = parse_connect_error(R"({"message":"server busy"})");
  EXPECT_EQ(r.kind, Refusal::other);
  EXPECT_EQ(r.code, "connect_error");
  EXPECT_EQ(r.message, "server busy");
  r = parse_connect_error(R"("Invalid namespace")");
  EXPECT_EQ(r.kind, Refusal::other);
}

}  // namespace
}  // namespace scansync::client
