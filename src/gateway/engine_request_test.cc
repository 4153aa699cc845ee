#include "gateway/engine_request.h"

#include <gtest/gtest.h>

namespace scansync::gateway {
namespace {

struct Sessions {
  std::map<std::string, TransportKind> known;
  std::optional<SessionFacts> operator()(std::string_view sid) const {
    auto it = known.find(std::string(sid));
    if (it == known.end()) return std::nullopt;
    return SessionFacts{it->second};
  }
};

EngineRoute route(std::string_view method, std::string_view query, bool upgrade = false, Sessions s = {}) {
  return route_engine_request(method, parse_query(query), upgrade, s);
}

TEST(EngineRequest, PollingHandshake) {
  auto r = route("GET", "EIO=4&transport=polling&t=N8hyd6w");
  EXPECT_EQ(r.kind, EngineRoute::handshake);
  EXPECT_EQ(r.transport, TransportKind::polling);
}

TEST(EngineRequest, WebSocketHandshakeNeedsAnUpgradeRequest) {
  EXPECT_EQ(route("GET", "EIO=4&transport=websocket", true).kind, EngineRoute::handshake);
  auto plain = route("GET", "EIO=4&transport=websocket", false);
  EXPECT_EQ(plain.kind, EngineRoute::error);
  EXPECT_EQ(plain.code, EngineError::bad_request);
}

TEST(EngineRequest, MissingOrUnknownTransport) {
  EXPECT_EQ(route("GET", "EIO=4").code, EngineError::unknown_transport);
  EXPECT_EQ(route("GET", "EIO=4&transport=abc").code, EngineError::unknown_transport);
  EXPECT_EQ(route("GET", "EIO=4&transport=webtransport").code, EngineError::unknown_transport);
}

TEST(EngineRequest, MissingOrOtherProtocolVersion) {
  EXPECT_EQ(route("GET", "transport=polling").code, EngineError::unsupported_protocol_version);
  EXPECT_EQ(route("GET", "EIO=abc&transport=polling").code, EngineError::unsupported_protocol_version);
  EXPECT_EQ(route("GET", "EIO=3&transport=polling").code, EngineError::unsupported_protocol_version);
  EXPECT_EQ(route("GET", "transport=websocket", true).code, EngineError::unsupported_protocol_version);
}

TEST(EngineRequest, HandshakeIsGetOnly) {
  EXPECT_EQ(route("POST", "EIO=4&transport=polling").code, EngineError::bad_handshake_method);
  EXPECT_EQ(route("PUT", "EIO=4&transport=polling").code, EngineError::bad_handshake_method);
}

TEST(EngineRequest, UnknownSid) {
  auto r = route("GET", "EIO=4&transport=polling&sid=nope");
  EXPECT_EQ(r.kind, EngineRoute::error);
  EXPECT_EQ(r.code, EngineError::unknown_sid);
}

TEST(EngineRequest, KnownSid) {
  Sessions s{{{"abc", TransportKind::polling}}};
  auto r = route("POST", "EIO=4&transport=polling&sid=abc", false, s);
  EXPECT_EQ(r.kind, EngineRoute::existing);
  EXPECT_EQ(r.sid, "abc");
  EXPECT_EQ(route("GET", "EIO=4&transport=websocket&sid=abc", true, s).kind, EngineRoute::existing);
}

TEST(EngineRequest, PollingAfterUpgradeIsATransportMismatch) {
  Sessions s{{{"abc", TransportKind::websocket}}};
  auto r = route("GET", "EIO=4&transport=polling&sid=abc", false, s);
  EXPECT_EQ(r.kind, EngineRoute::error);
  EXPECT_EQ(r.code, EngineError::bad_request);
}

TEST(EngineRequest, ErrorBodiesMatchTheReference) {
  EXPECT_EQ(error_body(EngineError::unknown_transport), R"({"code":0,"message":"Transport unknown"})");
  EXPECT_EQ(error_body(EngineError::unknown_sid), R"({"code":1,"message":"Session ID unknown"})");
  EXPECT_EQ(error_body(EngineError::bad_handshake_method), R"({"code":2,"message":"Bad handshake method"})");
  EXPECT_EQ(error_body(EngineError::bad_request), R"({"code":3,"message":"Bad request"})");
  EXPECT_EQ(error_body(EngineError::unsupported_protocol_version),
            R"({"code":5,"message":"Unsupported protocol version"})");
  EXPECT_EQ(http_status_of(EngineError::unknown_sid), 400);
  EXPECT_EQ(http_status_of(EngineError::forbidden), 403);
}

TEST(Query, DecodesAndKeepsFirstOccurrence) {
  auto q = parse_query("a=1&b=x%20y+z&a=2&flag&token=e30%2E&bad=%zz&&");
  EXPECT_EQ(q["a"], "1");
  EXPECT_EQ(q["b"], "x y z");
  EXPECT_EQ(q["flag"], "");
  EXPECT_EQ(q["token"], "e30.");
  EXPECT_EQ(q["bad"], "%zz");
  EXPECT_EQ(percent_decode("%4"), "%4");
  EXPECT_TRUE(parse_query("").empty());
}

TEST(Query, SplitTarget) {
  auto t = split_target("/socket.io/?EIO=4");
  EXPECT_EQ(t.path, "/socket.io/");
  EXPECT_EQ(t.query, "EIO=4");
  auto u = split_target("/healthz");
  EXPECT_EQ(u.path, "/healthz");
  EXPECT_EQ(u.query, "");
}

}  // namespace
}  // namespace scansync::gateway
