// Handlers calling back into the core from inside a callback.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

TEST(ClientCoreReentrancy, DisconnectFromTheConnectHandler) {
  ScriptedServer s;
  int later = 0;
  s.core.on("connect", [&](const Event&) { s.core.disconnect(); });
  s.core.on("connect", [&](const Event&) { ++later; });  // after the disconnect: not called
  s.core.connect();
  s.open_transport();
  s.handshake();
  s.take_frames();
  s.accept();
  EXPECT_EQ(later, 0);
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::user));
  // room:join went out with the CONNECT ack, then "41".
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(420["room:join",{}])", "41"}));
  EXPECT_FALSE(s.timer().has_value());
  EXPECT_EQ(s.statuses.back(), disconnected(DisconnectReason::user));
  // The "connect" event was delivered to the first handler; then "disconnect".
  EXPECT_EQ(s.event_names(), (std::vector<std::string>{"connect", "disconnect"}));
}

TEST(ClientCoreReentrancy, DisconnectFromAStatusHandlerSuppressesWhatWasPending) {
  ScriptedServer s;
  s.core.on_status([&](const StatusInfo& st) {
    if (st.status == Status::connected) s.core.disconnect();
  });
  s.core.connect();
  s.open_transport();
  s.handshake();
  s.accept();
  // "connect" was recorded before the disconnect and is dropped with it.
  EXPECT_TRUE(s.events_named("connect").empty());
  EXPECT_EQ(s.event_names(), (std::vector<std::string>{"disconnect"}));
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::user));
}

TEST(ClientCoreReentrancy, EmitFromTheConnectHandlerIsFlushedAfterTheJoin) {
  ScriptedServer s;
  s.core.on("connect", [&](const Event&) { s.core.emit("sync:since", R"([{"seq":0,"limit":100}])"); });
  s.core.emit("queued:before", "[]");
  s.core.connect();
  s.open_transport();
  s.handshake();
  s.take_frames();
  s.accept();
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(420["room:join",{}])"}));
  s.ack_join();
  EXPECT_EQ(s.take_frames(),
            (std::vector<std::string>{R"(42["queued:before"])", R"(42["sync:since",{"seq":0,"limit":100}])"}));
}

TEST(ClientCoreReentrancy, EmitAndOffFromAnEventHandler) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  int calls = 0;
  SubscriptionId id = 0;
  id = s.core.on("scan:created", [&](const Event& e) {
    ++calls;
    EXPECT_EQ(e.args.size(), 1u);
    s.core.off(id);
    s.core.emit("got", "[]");
  });
  s.feed(R"(42["scan:created",{"id":"1"}])");
  s.feed(R"(42["scan:created",{"id":"2"}])");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(42["got"])"}));
}

TEST(ClientCoreReentrancy, AckHandlerEmitsAndDisconnects) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  std::vector<std::string> order;
  s.core.emit("first", "[]", [&](std::error_code ec, const std::vector<std::string_view>&) {
    order.push_back(ec ? "first:" + ec.message() : "first:ok");
    s.core.emit("second", "[]", [&](std::error_code ec2, const std::vector<std::string_view>&) {
      order.push_back(ec2 == make_error_code(errc::closed) ? "second:closed" : "second:?");
    });
    s.core.disconnect();
  });
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(421["first"])"}));
  s.feed(R"(431[])");
  EXPECT_EQ(order, (std::vector<std::string>{"first:ok", "second:closed"}));
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(422["second"])", "41"}));
}

TEST(ClientCoreReentrancy, ConnectAgainFromTheDisconnectHandler) {
  ScriptedServer s;
  s.connect_fully();
  bool once = false;
  s.core.on("disconnect", [&](const Event&) {
    if (!once) {
      once = true;
      s.core.connect();
    }
  });
  s.core.disconnect();
  s.pump();
  EXPECT_EQ(s.opens(), 2);
  EXPECT_EQ(s.core.status(), connecting());
}

TEST(ClientCoreReentrancy, ErrorHandlerDisconnectsDuringAProtocolError) {
  ScriptedServer s;
  s.connect_fully();
  s.core.on("error", [&](const Event&) { s.core.disconnect(); });
  s.feed("4garbage");
  EXPECT_EQ(s.core.status(), disconnected(DisconnectReason::user));
  EXPECT_FALSE(s.timer().has_value());
  s.advance(std::chrono::hours(1));
  EXPECT_EQ(s.opens(), 1);
}

TEST(ClientCoreReentrancy, ServerAckRequestIsNotAnsweredAfterAHandlerDisconnects) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  s.core.on("q", [&](const Event&) { s.core.disconnect(); });
  s.feed(R"(427["q"])");
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{"41"}));
}

// "name first-arg", as the tests below record events.
std::string describe(const Event& e) { return std::string(e.name) + (e.args.empty() ? "" : " " + std::string(e.args[0])); }

// Feeds `frame`, then overwrites its buffer: what a note's views would read
// if they still borrowed it.
void feed_then_overwrite(ClientCore& core, std::string frame) {
  core.on_transport_text(frame);
  frame.assign(frame.size(), 'Z');
}

// Events borrow the frame they came in (no copy) while that frame's input
// runs; a frame fed from a handler is gone before its event is delivered,
// so that event must have been copied.
TEST(ClientCoreReentrancy, FrameFedFromAHandlerIsCopiedBeforeItsBufferGoes) {
  ScriptedServer s;
  s.connect_fully();
  std::vector<std::string> seen;
  s.core.on("*", [&](const Event& e) {
    seen.push_back(describe(e));
    if (e.name == "outer") {
      feed_then_overwrite(s.core, R"(42["inner",{"x":"inner"}])");
      feed_then_overwrite(s.core, R"(42["acked",{"y":1}])");
    }
  });
  s.feed(R"(42["outer",{"x":"outer"}])");
  EXPECT_EQ(seen, (std::vector<std::string>{R"(outer {"x":"outer"})", R"(inner {"x":"inner"})",
                                            R"(acked {"y":1})"}));
}

TEST(ClientCoreReentrancy, AThrowingHandlerLeavesLaterEventsIntact) {
  ScriptedServer s;
  s.connect_fully();
  std::vector<std::string> seen;
  s.core.on("*", [&](const Event& e) {
    seen.push_back(describe(e));
    if (e.name == "boom") {
      feed_then_overwrite(s.core, R"(42["after",[1,2,3]])");
      throw std::runtime_error("handler failed");
    }
  });
  {
    std::string frame = R"(42["boom",{}])";
    EXPECT_THROW(s.core.on_transport_text(frame), std::runtime_error);
    frame.assign(frame.size(), 'Z');
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"boom {}"}));
  s.feed(R"(42["next",true])");  // the next input delivers what was left
  EXPECT_EQ(seen, (std::vector<std::string>{"boom {}", "after [1,2,3]", "next true"}));
}

TEST(ClientCoreReentrancy, EscapedEventNamesAreDecoded) {
  ScriptedServer s;
  s.connect_fully();
  s.feed(R"(42["scan\u003acreated",{"id":"1"}])");
  s.feed(R"(42["tab\there",1])");
  ASSERT_EQ(s.events_named("scan:created").size(), 1u);
  EXPECT_EQ(s.events_named("scan:created")[0].args, (std::vector<std::string>{R"({"id":"1"})"}));
  EXPECT_EQ(s.events_named("tab\there").size(), 1u);
}

}  // namespace
}  // namespace scansync::client::testing
