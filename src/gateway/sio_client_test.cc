#include "gateway/sio_client.h"

#include <gtest/gtest.h>

#include "gateway/conformance_app.h"

namespace scansync::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint t0{};

struct Harness {
  explicit Harness(Application& app, HandshakeInfo hs = {}) : engine("eid", TransportKind::websocket, config(), t0, 1) {
    int n = 0;
    client = std::make_unique<SioClient>(engine, app, std::move(hs), 1000ms, t0, [n]() mutable {
      return "s" + std::to_string(++n);
    });
    engine.set_upper(client.get());
    engine.take_ws_frame(1);  // OPEN
  }
  static EngineConfig config() {
    EngineConfig c;
    c.ping_interval = 300ms;
    c.ping_timeout = 200ms;
    return c;
  }
  void in(std::string_view text) { engine.on_ws_frame(1, text, false, t0); }
  void in_binary(std::string_view bytes) { engine.on_ws_frame(1, bytes, true, t0); }
  std::vector<std::string> out() {
    std::vector<std::string> frames;
    while (auto f = engine.take_ws_frame(1)) frames.push_back(f->binary ? "<bin:" + *f->bytes + ">" : *f->bytes);
    return frames;
  }
  EngineSession engine;
  std::unique_ptr<SioClient> client;
};

using Frames = std::vector<std::string>;

TEST(SioClient, ConnectToMainNamespace) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  EXPECT_EQ(h.out(), (Frames{R"(40{"sid":"s1"})", R"(42["auth",{}])"}));
  EXPECT_EQ(h.client->socket_count(), 1u);
}

TEST(SioClient, ConnectWithPayloadAndCustomNamespace) {
  ConformanceApp app;
  Harness h(app);
  h.in(R"(40{"token":"123"})");
  h.in(R"(40/custom,{"token":"abc"})");
  EXPECT_EQ(h.out(), (Frames{R"(40{"sid":"s1"})", R"(42["auth",{"token":"123"}])", R"(40/custom,{"sid":"s2"})",
                             R"(42/custom,["auth",{"token":"abc"}])"}));
}

TEST(SioClient, ConnectAdmitsTheSession) {
  ConformanceApp app;
  Harness h(app);
  EXPECT_FALSE(h.engine.admitted());
  h.in("40/random,");  // refused: still not admitted
  EXPECT_FALSE(h.engine.admitted());
  h.in("40");
  EXPECT_TRUE(h.engine.admitted());
}

TEST(SioClient, AnAuthObjectOverTheBoundIsRefusedAndNotKept) {
  ConformanceApp app;
  Harness h(app);
  const std::string pad(SioClient::kMaxConnectPayload, 'x');
  h.in(R"(40{"token":")" + pad + R"("})");
  EXPECT_EQ(h.out(), (Frames{R"(44{"message":"auth too large","data":{"code":"auth_too_large"}})"}));
  EXPECT_EQ(h.client->socket_count(), 0u);
  EXPECT_FALSE(h.engine.closed());  // a retry with a smaller one may follow
  h.in(R"(40{"token":"small"})");
  EXPECT_EQ(h.client->socket_count(), 1u);
}

TEST(SioClient, DepartedSocketsAreFreedOnRelease) {
  ConformanceApp app;
  Harness h(app);
  for (int i = 0; i < 100; ++i) {
    h.in(R"(40{"token":"t"})");
    h.in("41");
  }
  EXPECT_EQ(h.client->socket_count(), 0u);
  EXPECT_EQ(h.client->departed_count(), 100u);  // kept until no caller can hold them
  h.client->release_departed();
  EXPECT_EQ(h.client->departed_count(), 0u);
  EXPECT_FALSE(h.engine.closed());
}

TEST(SioClient, UnknownNamespaceIsRefusedAndTheConnectionStays) {
  ConformanceApp app;
  Harness h(app);
  h.in("40/random,");
  EXPECT_EQ(h.out(), (Frames{R"(44/random,{"message":"Invalid namespace"})"}));
  EXPECT_FALSE(h.engine.closed());
}

TEST(SioClient, PacketBeforeConnectClosesTheConnection) {
  ConformanceApp app;
  Harness h(app);
  h.in(R"(42["message"])");
  EXPECT_TRUE(h.engine.closed());
}

TEST(SioClient, InvalidPacketsClose) {
  for (const char* bad : {"4abc", "42{}", R"(42abc["message-with-ack",1])", "4"}) {
    ConformanceApp app;
    Harness h(app);
    h.in("40");
    h.in(bad);
    EXPECT_TRUE(h.engine.closed()) << bad;
    EXPECT_EQ(h.client->socket_count(), 0u) << bad;
  }
}

TEST(SioClient, ConnectTimeoutWithoutConnect) {
  ConformanceApp app;
  Harness h(app);
  EXPECT_EQ(h.engine.next_deadline(), t0 + 300ms) << "the ping comes first";
  h.engine.on_tick(t0 + 300ms);
  h.engine.on_ws_frame(1, "3", false, t0 + 310ms);
  h.engine.on_tick(t0 + 999ms);
  EXPECT_FALSE(h.engine.closed());
  h.engine.on_tick(t0 + 1000ms);
  EXPECT_TRUE(h.engine.closed());
  EXPECT_EQ(h.engine.close_reason(), "connect timeout");
}

TEST(SioClient, ConnectCancelsTheTimeout) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  EXPECT_FALSE(h.client->next_deadline());
  h.engine.on_tick(t0 + 300ms);
  h.engine.on_ws_frame(1, "3", false, t0 + 300ms);
  h.engine.on_tick(t0 + 1000ms);
  EXPECT_FALSE(h.engine.closed());
}

TEST(SioClient, EchoAndAck) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  h.out();
  h.in(R"(42["message",1,"2",{"3":[true]}])");
  h.in(R"(42456["message-with-ack",1,"2",{"3":[false]}])");
  EXPECT_EQ(h.out(), (Frames{R"(42["message-back",1,"2",{"3":[true]}])", R"(43456[1,"2",{"3":[false]}])"}));
}

TEST(SioClient, BinaryAttachmentsAreReassembled) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  h.out();
  h.in(R"(452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  h.in_binary("\x01\x02\x03");
  EXPECT_TRUE(h.out().empty()) << "waits for the second attachment";
  h.in_binary("\x04\x05\x06");
  EXPECT_EQ(h.out(), (Frames{R"(452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
                             "<bin:\x01\x02\x03>", "<bin:\x04\x05\x06>"}));
  h.in(R"(452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  h.in_binary("a");
  h.in_binary("b");
  EXPECT_EQ(h.out(),
            (Frames{R"(462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", "<bin:a>", "<bin:b>"}));
}

TEST(SioClient, BinaryOutsideAPacketCloses) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  h.in_binary("\x01");
  EXPECT_TRUE(h.engine.closed());
}

TEST(SioClient, TextWhileAttachmentsAreDueCloses) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  h.in(R"(451-["message",{"_placeholder":true,"num":0}])");
  h.in(R"(42["message"])");
  EXPECT_TRUE(h.engine.closed());
}

TEST(SioClient, DisconnectFromANamespaceKeepsTheConnection) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  h.in("40/custom,");
  h.out();
  h.in("41/custom,");
  EXPECT_EQ(h.client->socket_count(), 1u);
  h.in(R"(42["message","to main"])");
  EXPECT_EQ(h.out(), (Frames{R"(42["message-back","to main"])"}));
  h.in("41");
  EXPECT_FALSE(h.engine.closed());
  EXPECT_EQ(h.client->socket_count(), 0u);
  h.in(R"(42["message"])");
  EXPECT_TRUE(h.engine.closed()) << "an event for a namespace left";
}

TEST(SioClient, ConnectTwiceToTheSameNamespaceCloses) {
  ConformanceApp app;
  Harness h(app);
  h.in("40");
  h.in("40");
  EXPECT_TRUE(h.engine.closed());
}

struct RefusingApp : Application {
  int disconnects = 0;
  bool has_namespace(std::string_view nsp) const override { return nsp == "/"; }
  std::optional<std::string> authorize(SioSocket& s, std::string_view auth, const HandshakeInfo& hs) override {
    auto q = hs.query.find("token");
    if (auth == R"({"token":"good"})" || (q != hs.query.end() && q->second == "good")) {
      s.user = "alice";
      return std::nullopt;
    }
    return R"({"message":"unauthorized","data":{"code":"token_invalid"}})";
  }
  void on_connect(SioSocket&) override {}
  void on_event(SioSocket&, const IncomingEvent&) override {}
  void on_disconnect(SioSocket&) override { ++disconnects; }
};

TEST(SioClient, RefusedConnectKeepsTheConnectionForARetry) {
  RefusingApp app;
  Harness h(app);
  h.in(R"(40{"token":"bad"})");
  EXPECT_EQ(h.out(), (Frames{R"(44{"message":"unauthorized","data":{"code":"token_invalid"}})"}));
  EXPECT_FALSE(h.engine.closed());
  h.in(R"(40{"token":"good"})");
  EXPECT_EQ(h.out(), (Frames{R"(40{"sid":"s2"})"}));
  EXPECT_EQ(h.client->socket("/")->user, "alice");
}

TEST(SioClient, RefusedConnectStillTimesOut) {
  RefusingApp app;
  Harness h(app);
  h.in("40");
  h.engine.on_tick(t0 + 300ms);
  h.engine.on_ws_frame(1, "3", false, t0 + 300ms);
  h.engine.on_tick(t0 + 1000ms);
  EXPECT_TRUE(h.engine.closed());
}

TEST(SioClient, HandshakeInfoReachesTheApplication) {
  RefusingApp app;
  Harness h(app, HandshakeInfo{{{"token", "good"}}});
  h.in("40");
  EXPECT_EQ(h.out(), (Frames{R"(40{"sid":"s1"})"}));
}

TEST(SioClient, CloseAndShutdownDisconnectEverySocket) {
  RefusingApp app;
  {
    Harness h(app);
    h.in(R"(40{"token":"good"})");
    h.out();
    h.client->shutdown("server shutting down");
    EXPECT_TRUE(h.out().empty()) << "no DISCONNECT: clients should reconnect";
    EXPECT_TRUE(h.engine.closed());
    EXPECT_EQ(h.engine.close_reason(), "server shutting down");
    EXPECT_EQ(app.disconnects, 1);
  }
  {
    Harness h(app);
    h.in(R"(40{"token":"good"})");
    h.engine.on_ws_closed(1);
    EXPECT_EQ(app.disconnects, 2);
  }
  {
    Harness h(app);
    h.in(R"(40{"token":"good"})");
  }  // destroyed while connected: the socket still leaves
  EXPECT_EQ(app.disconnects, 3);
}

TEST(SioClient, EncodeEvent) {
  EXPECT_EQ(*encode_event("/", "scan:created", R"({"id":"x"})").bytes, R"(42["scan:created",{"id":"x"}])");
  EXPECT_EQ(*encode_event("/admin", "ping", "").bytes, R"(42/admin,["ping"])");
}

}  // namespace
}  // namespace scansync::gateway
