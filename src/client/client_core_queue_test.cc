// Emits: the outbound queue, its flush after room:join, acks both ways.
#include <gtest/gtest.h>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

TEST(ClientCoreQueue, EmitWhileConnectedGoesOutAtOnce) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  std::vector<RecordedAck> acks;
  s.core.emit("scan:create", R"([{"id":"1"}])", s.record_ack(acks));
  s.core.emit("ping:me", "[]");
  s.core.emit("two", R"( [ 1 , "x" ] )");
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(421["scan:create",{"id":"1"}])", R"(42["ping:me"])",
                                                        R"(42["two",1,"x"])"}));
  s.feed(R"(431[{"ok":true,"scan":{"id":"1"}}])");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_FALSE(acks[0].ec);
  EXPECT_EQ(acks[0].args, (std::vector<std::string>{R"({"ok":true,"scan":{"id":"1"}})"}));
  s.feed(R"(431[{"ok":true}])");  // duplicate ack: ignored
  EXPECT_EQ(acks.size(), 1u);
  EXPECT_EQ(s.core.status(), connected());
}

TEST(ClientCoreQueue, BadArgumentsFailTheAck) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  std::vector<RecordedAck> acks;
  for (std::string_view bad : {"", "{}", "[1,", "1", "[1] [2]", "[\"unterminated]"}) {
    s.core.emit("e", bad, s.record_ack(acks));
  }
  s.core.emit("connect", "[]", s.record_ack(acks));  // reserved name
  s.core.emit("e", "nope");                          // no ack: silently refused
  ASSERT_EQ(acks.size(), 7u);
  for (const auto& a : acks) EXPECT_EQ(a.ec, make_error_code(errc::bad_arguments));
  EXPECT_TRUE(s.take_frames().empty());
  EXPECT_EQ(s.core.queued_count(), 0u);
}

// The frame `42["e","xx…"]` (no ack) of exactly `size` bytes.
std::string args_for_frame_of(std::size_t size) { return "[\"" + std::string(size - 10, 'x') + "\"]"; }

TEST(ClientCoreQueue, AnEmitOverTheServersMaxPayloadIsRefusedNotSent) {
  ScriptedServer s;
  std::vector<RecordedAck> acks;
  s.core.emit("e", args_for_frame_of(300), s.record_ack(acks));  // queued before the server said its limit
  s.core.emit("e", "[1]");
  s.core.connect();
  s.open_transport();
  s.feed(R"(0{"sid":"eio1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100})");
  s.accept();
  s.take_frames();
  s.ack_join();
  // The oversized one is refused at the flush; the next one still goes out.
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(42["e",1])"}));
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ec, make_error_code(errc::too_large));
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_NE(s.events_named("error")[0].args.at(0).find(R"("code":"too_large")"), std::string::npos);
  EXPECT_NE(s.events_named("error")[0].args.at(0).find(R"("size":301,"maxPayload":100)"), std::string::npos);

  // Connected: exactly the limit goes out, one byte more does not.
  s.core.emit("e", args_for_frame_of(100));
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{"42" + args_for_frame_of(100).insert(1, "\"e\",")}));
  s.core.emit("e", args_for_frame_of(101));
  EXPECT_TRUE(s.take_frames().empty());
  EXPECT_EQ(s.events_named("error").size(), 2u);
  EXPECT_EQ(s.core.status(), connected());
}

TEST(ClientCoreQueue, QueuedUntilJoinAckThenFlushedInOrder) {
  ScriptedServer s;
  s.core.emit("e", "[0]");
  s.core.emit("e", "[1]");
  s.core.connect();
  s.core.emit("e", "[2]");
  EXPECT_EQ(s.core.queued_count(), 3u);
  s.open_transport();
  s.handshake();
  s.take_frames();
  s.accept();
  s.core.emit("e", "[3]");  // connected but not joined yet: still queued
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(420["room:join",{}])"}));
  EXPECT_EQ(s.core.queued_count(), 4u);
  s.ack_join();
  EXPECT_EQ(s.take_frames(),
            (std::vector<std::string>{R"(42["e",0])", R"(42["e",1])", R"(42["e",2])", R"(42["e",3])"}));
  EXPECT_EQ(s.core.queued_count(), 0u);
}

TEST(ClientCoreQueue, JoinRefusedIsReportedAndTheQueueStillFlushes) {
  ScriptedServer s;
  s.core.emit("e", "[0]");
  s.core.connect();
  s.open_transport();
  s.handshake();
  s.accept();
  s.take_frames();
  s.ack_join(R"({"ok":false,"error":"forbidden"})");
  EXPECT_EQ(s.core.status(), connected());
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_EQ(s.events_named("error")[0].args,
            (std::vector<std::string>{R"({"code":"room_join_failed","message":"forbidden"})"}));
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(42["e",0])"}));
}

TEST(ClientCoreQueue, JoinNotAckedInTimeReconnects) {
  ScriptedServer s;
  s.core.emit("e", "[0]");
  s.core.connect();
  s.open_transport();
  s.handshake();
  s.accept();
  s.take_frames();
  s.advance(Millis{10000});
  EXPECT_EQ(s.core.status(), reconnecting(1, Millis{1000}));
  EXPECT_EQ(s.events_named("error").size(), 1u);
  EXPECT_EQ(s.events_named("disconnect").back().args[0], "\"room join timeout\"");
  EXPECT_TRUE(s.take_frames().empty());
  EXPECT_EQ(s.core.queued_count(), 1u);  // still waiting for a joined connection
}

TEST(ClientCoreQueue, OverflowAtTheFiftyFirstDropsTheOldestAndReportsIt) {
  ScriptedServer s;
  std::vector<std::vector<RecordedAck>> acks(51);
  for (int i = 0; i < 51; ++i) s.core.emit("e", "[" + std::to_string(i) + "]", s.record_ack(acks[i]));
  EXPECT_EQ(s.core.queued_count(), 50u);
  EXPECT_EQ(s.core.dropped_count(), 1u);
  ASSERT_EQ(acks[0].size(), 1u);
  EXPECT_EQ(acks[0][0].ec, make_error_code(errc::dropped));
  for (int i = 1; i < 51; ++i) EXPECT_TRUE(acks[i].empty());
  ASSERT_EQ(s.events_named("error").size(), 1u);
  EXPECT_EQ(s.events_named("error")[0].args[0],
            R"({"code":"queue_overflow","message":"outbound queue full: the oldest emit was dropped","dropped":1})");
  s.core.emit("e", "[51]");
  EXPECT_EQ(s.core.dropped_count(), 2u);
  EXPECT_EQ(acks[1].size(), 1u);
  EXPECT_NE(s.events_named("error")[1].args[0].find("\"dropped\":2"), std::string::npos);

  s.connect_fully();
  auto frames = s.take_frames();
  // CONNECT, room:join, then e 2..51 with ack ids after the join's.
  ASSERT_EQ(frames.size(), 2u + 50u);
  EXPECT_EQ(frames[2], R"(421["e",2])");
  EXPECT_EQ(frames[51], R"(42["e",51])");
}

TEST(ClientCoreQueue, CapacityIsConfigurableAndZeroMeansNotConnected) {
  ClientOptions o;
  o.queue_capacity = 2;
  ScriptedServer s(o);
  for (int i = 0; i < 3; ++i) s.core.emit("e", "[]");
  EXPECT_EQ(s.core.queued_count(), 2u);
  EXPECT_EQ(s.core.dropped_count(), 1u);

  ClientOptions z;
  z.queue_capacity = 0;
  ScriptedServer t(z);
  std::vector<RecordedAck> acks;
  t.core.emit("e", "[]", t.record_ack(acks));
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ec, make_error_code(errc::not_connected));
  EXPECT_EQ(t.core.dropped_count(), 0u);
}

TEST(ClientCoreQueue, AckTimeoutCountsFromSending) {
  ScriptedServer s;
  s.connect_fully();
  std::vector<RecordedAck> acks;
  s.core.emit("slow", "[]", s.record_ack(acks));
  s.advance(Millis{9999});
  EXPECT_TRUE(acks.empty());
  s.advance(Millis{1});
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ec, make_error_code(errc::ack_timeout));
  EXPECT_TRUE(acks[0].args.empty());
  s.feed(R"(431[{"ok":true}])");  // too late: ignored
  EXPECT_EQ(acks.size(), 1u);
  EXPECT_EQ(s.core.status(), connected());
}

TEST(ClientCoreQueue, QueuedAckTimeoutStartsAtFlush) {
  ClientOptions o;
  o.ack_timeout = Millis{5000};
  ScriptedServer s(o);
  std::vector<RecordedAck> acks;
  s.core.emit("e", "[]", s.record_ack(acks));
  s.advance(Millis{60000});  // an hour queued does not time out
  EXPECT_TRUE(acks.empty());
  s.connect_fully();
  s.advance(Millis{4999});
  EXPECT_TRUE(acks.empty());
  s.advance(Millis{1});
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ec, make_error_code(errc::ack_timeout));
}

TEST(ClientCoreQueue, PendingAcksFailWhenTheConnectionIsLost) {
  ScriptedServer s;
  s.connect_fully();
  std::vector<RecordedAck> acks;
  s.core.emit("e", "[]", s.record_ack(acks));
  s.close_transport();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ec, make_error_code(errc::connection_lost));
}

TEST(ClientCoreQueue, ServerAskingForAnAckGetsAnEmptyOneAfterDelivery) {
  ScriptedServer s;
  s.connect_fully();
  s.take_frames();
  std::vector<std::string> order;
  s.core.on("question", [&](const Event& e) {
    order.push_back("handler");
    EXPECT_EQ(e.args.size(), 1u);
    s.core.emit("answer", "[]");
  });
  s.feed(R"(4212["question",{"q":1}])");
  EXPECT_EQ(order, (std::vector<std::string>{"handler"}));
  EXPECT_EQ(s.take_frames(), (std::vector<std::string>{R"(42["answer"])", "4312[]"}));
}

}  // namespace
}  // namespace scansync::client::testing
