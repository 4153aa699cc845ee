// Malformed and unsupported input in every state: never a crash, always a
// clean outcome (ignored, or a protocol error and a retry).
#include <gtest/gtest.h>

#include <functional>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

const std::vector<std::string> kGarbage = {
    "", "x", "7", "9abc", "0", "0{", "0[]", "0{\"sid\":1}", "0null", "4", "4x", "47", "40{", "40[]", "40\"s\"",
    "41{}", "42", "42[", "42[]", "42{}", "42[1]", "42[\"connect\"]", "42[\"a\"", "42/x", "42/x,", "4299999999999999999[\"a\"]",
    "43", "43[]", "43x[]", "431", "431{}", "44", "44[]", "45", "45-[\"a\"]", "451-", "46", "4\x01\x02",
    std::string("4\0\0", 3), "42[\"a\",\xff\xfe]", "42[\"\\ud800\"]", std::string(100, '['), "42" + std::string(300, '['),
    "2\xff", "3", "5", "6", "1extra", "40{\"sid\":\"s\"}}", "42[\"a\"]]", "\x1e", "b", "bAAAA",
};

using Setup = std::function<void(ScriptedServer&)>;

struct State {
  const char* name;
  Setup setup;
};

const std::vector<State> kStates = {
    {"idle", [](ScriptedServer&) {}},
    {"opening", [](ScriptedServer& s) { s.core.connect(); s.pump(); }},
    {"handshaking", [](ScriptedServer& s) { s.core.connect(); s.open_transport(); }},
    {"authenticating", [](ScriptedServer& s) { s.core.connect(); s.open_transport(); s.handshake(); }},
    {"connected, not joined",
     [](ScriptedServer& s) { s.core.connect(); s.open_transport(); s.handshake(); s.accept(); }},
    {"connected", [](ScriptedServer& s) { s.connect_fully("pid"); }},
    {"reconnecting", [](ScriptedServer& s) { s.core.connect(); s.close_transport(); }},
    {"gave up",
     [](ScriptedServer& s) {
       s.core.connect();
       for (int i = 0; i < 11; ++i) {
         s.close_transport();
         s.advance(Millis{30000});
       }
     }},
    {"disconnected", [](ScriptedServer& s) { s.connect_fully(); s.core.disconnect(); s.pump(); }},
};

TEST(ClientCoreGarbage, EveryGarbageFrameInEveryState) {
  for (const auto& state : kStates) {
    for (const auto& frame : kGarbage) {
      SCOPED_TRACE(std::string(state.name) + " <- \"" + frame + "\"");
      ScriptedServer s;
      state.setup(s);
      const Status before = s.core.status().status;
      std::vector<RecordedAck> acks;
      s.core.emit("e", "[1]", s.record_ack(acks));
      s.feed(frame);
      s.core.on_transport_binary(frame);
      s.pump();
      // Whatever happened, the core is in a state it can go on from.
      const Status after = s.core.status().status;
      if (before == Status::disconnected) {
        EXPECT_EQ(after, Status::disconnected);
      }
      for (const auto& e : s.events_named("error")) {
        ASSERT_EQ(e.args.size(), 1u);
        EXPECT_EQ(e.args[0].rfind("{\"code\":\"", 0), 0u) << e.args[0];
      }
      // And it still works: from wherever it is, it can connect.
      if (after != Status::connected) {
        s.core.disconnect();
        s.connect_fully();
      }
      EXPECT_EQ(s.core.status(), connected());
      s.feed(R"(42["ok",1])");
      EXPECT_FALSE(s.events_named("ok").empty());
    }
  }
}

TEST(ClientCoreGarbage, MalformedFrameWhileConnectedIsAProtocolErrorAndARetry) {
  ScriptedServer s;
  s.connect_fully();
  s.feed("42[\"a\"");
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_EQ(s.events_named("error")[0].args[0].rfind(R"({"code":"protocol_error")", 0), 0u);
  EXPECT_EQ(s.events_named("disconnect").back().args[0], "\"parse error\"");
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  EXPECT_EQ(s.closes(), 1);
}

TEST(ClientCoreGarbage, BinaryPacketsAreRefusedCleanly) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  s.feed(R"(452-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  s.core.on_transport_binary("\x01\x02");  // its attachments: swallowed
  s.core.on_transport_binary("\x03");
  s.pump();
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_EQ(s.events_named("error")[0].args[0].rfind(R"({"code":"binary_unsupported")", 0), 0u);
  EXPECT_EQ(s.core.status(), connected());
  EXPECT_TRUE(s.events_named("upload").empty());
  s.core.on_transport_binary("\x04");  // a stray binary frame: refused too
  s.pump();
  EXPECT_EQ(s.events_named("error").size(), 2u);
  s.feed(R"(461-[{"_placeholder":true,"num":0}])");
  EXPECT_EQ(s.events_named("error").size(), 3u);
  EXPECT_EQ(s.core.status(), connected());
  EXPECT_TRUE(s.take_frames().empty());
}

TEST(ClientCoreGarbage, UnknownAckIdAndForeignNamespaceAreIgnored) {
  ScriptedServer s;
  s.connect_fully();
  s.feed(R"(43999[{"ok":true}])");
  s.feed(R"(42/other,["x"])");
  s.feed(R"(41/other,)");
  EXPECT_EQ(s.core.status(), connected());
  EXPECT_TRUE(s.events_named("error").empty());
}

}  // namespace
}  // namespace scansync::client::testing
