#include "scansync/proto/socket_io.h"

#include <gtest/gtest.h>

#include <string>

#include "scansync/proto/engine_io.h"
#include "scansync/proto/json_text.h"

namespace scansync::sio {
namespace {

using namespace std::string_literals;
using proto::errc;

// Frames as they travel over WebSocket: the Engine.IO MESSAGE type '4' first.
Result<PacketView> decode_frame(std::string_view frame) {
  auto outer = eio::decode_text(frame);
  if (!outer) return outer.error();
  EXPECT_EQ(outer->type, eio::PacketType::message);
  return decode(outer->data);
}

TEST(SioDecode, Connect) {
  auto p = decode_frame("40");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::connect);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_FALSE(p->id);
  EXPECT_TRUE(p->data.empty());

  auto admin = decode_frame(R"(40/admin,{"token":"x"})");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->nsp, "/admin");
  EXPECT_EQ(admin->data, R"({"token":"x"})");

  auto sid = decode(R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})");
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(sid->data, R"({"sid":"wZX3oN0bSVIhsaknAAAI"})");

  // The namespace's comma is optional when nothing follows.
  for (const char* text : {"0/admin,", "0/admin"}) {
    auto q = decode(text);
    ASSERT_TRUE(q.ok()) << text;
    EXPECT_EQ(q->nsp, "/admin");
    EXPECT_TRUE(q->data.empty());
  }
}

TEST(SioDecode, Disconnect) {
  auto p = decode("1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::disconnect);
  auto admin = decode("1/admin,");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->nsp, "/admin");
}

TEST(SioDecode, Event) {
  auto p = decode_frame(R"(42["hello",1])");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::event);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_FALSE(p->id);
  EXPECT_EQ(p->data, R"(["hello",1])");

  auto acked = decode_frame(R"(421["a"])");
  ASSERT_TRUE(acked.ok());
  ASSERT_TRUE(acked->id);
  EXPECT_EQ(*acked->id, 1u);
  EXPECT_EQ(acked->data, R"(["a"])");

  auto spec = decode(R"(212["foo"])");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(*spec->id, 12u);

  auto admin = decode(R"(2/admin,["bar"])");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->nsp, "/admin");
  EXPECT_FALSE(admin->id);

  auto tellme = decode(R"(2/admin,1["tellme"])");
  ASSERT_TRUE(tellme.ok());
  EXPECT_EQ(*tellme->id, 1u);

  auto spaced = decode(R"(2 [ "a" ] )");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->data, R"( [ "a" ] )");

  // A reserved name spelled with escapes is still refused; other escapes pass.
  EXPECT_FALSE(decode(R"(2["\u0063onnect"])").ok());
  EXPECT_TRUE(decode(R"(2["scan\u003acreated"])").ok());
}

TEST(SioDecode, Ack) {
  auto p = decode_frame(R"(43/admin,1[{"ok":true}])");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::ack);
  EXPECT_EQ(p->nsp, "/admin");
  EXPECT_EQ(*p->id, 1u);
  EXPECT_EQ(p->data, R"([{"ok":true}])");

  auto empty = decode("312[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty->id, 12u);
  EXPECT_EQ(empty->data, "[]");
}

TEST(SioDecode, ConnectError) {
  auto p = decode_frame(R"(44{"message":"unauthorized","data":{"code":"token_expired"}})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::connect_error);
  EXPECT_EQ(p->data, R"({"message":"unauthorized","data":{"code":"token_expired"}})");
  EXPECT_TRUE(decode(R"(4"Not authorized")").ok());  // v4-era servers send a bare string
}

TEST(SioDecode, BinaryEventAndAck) {
  auto p = decode_frame(R"(451-["x",{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, PacketType::binary_event);
  EXPECT_EQ(p->attachments, 1u);
  EXPECT_EQ(p->nsp, "/");
  EXPECT_EQ(p->data, R"(["x",{"_placeholder":true,"num":0}])");

  auto two = decode(R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->attachments, 2u);
  EXPECT_EQ(two->nsp, "/admin");

  auto ack = decode(R"(61-15["bar",{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->type, PacketType::binary_ack);
  EXPECT_EQ(*ack->id, 15u);

  auto sample = decode(R"(61-/admin,1[{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->nsp, "/admin");
  EXPECT_EQ(*sample->id, 1u);

  auto max = decode(R"(510-["x"])");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->attachments, kMaxAttachments);
}

TEST(SioDecode, AckIdLimits) {
  auto max = decode("29007199254740991[\"a\"]");  // 2^53 - 1
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max->id, kMaxAckId);
  auto zero = decode("30[]");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero->id, 0u);
  auto leading = decode("3007[]");  // as Number("007") reads it
  ASSERT_TRUE(leading.ok());
  EXPECT_EQ(*leading->id, 7u);
}

struct Bad {
  std::string text;
  errc expected;
};

TEST(SioDecode, RejectsMalformed) {
  const std::string deep = "2" + std::string(10000, '[');
  const std::string deep_closed = "2[\"a\"," + std::string(200, '[') + std::string(200, ']') + "]";
  const Bad cases[] = {
      {"", errc::empty_packet},
      {"7", errc::unknown_packet_type},
      {"9[\"a\"]", errc::unknown_packet_type},
      {"x", errc::unknown_packet_type},
      {"-1", errc::unknown_packet_type},
      {"2", errc::malformed_packet},                 // EVENT without payload
      {"2[]", errc::malformed_json},                 // no event name
      {"2[1]", errc::malformed_json},                // name not a string
      {"2[null]", errc::malformed_json},
      {"2[[\"a\"]]", errc::malformed_json},
      {"2[\"a\"", errc::malformed_json},             // truncated
      {"2[\"a\"]x", errc::malformed_json},           // trailing garbage
      {"2[\"a\"][]", errc::malformed_json},
      {"2{\"a\":1}", errc::malformed_json},
      {"2\"a\"", errc::malformed_json},
      {"2[\"connect\"]", errc::malformed_json},      // reserved event names
      {"2[\"disconnect\",1]", errc::malformed_json},
      {"2[\"newListener\"]", errc::malformed_json},
      {"1{}", errc::malformed_packet},               // DISCONNECT carries nothing
      {"1/admin,[]", errc::malformed_packet},
      {"0[]", errc::malformed_json},                 // CONNECT payload must be an object
      {"0\"x\"", errc::malformed_json},
      {"0{", errc::malformed_json},
      {"0 ", errc::malformed_json},
      {"3", errc::malformed_packet},                 // ACK without payload
      {"31", errc::malformed_packet},
      {"31{}", errc::malformed_json},
      {"4", errc::malformed_packet},
      {"4[]", errc::malformed_json},
      {"41", errc::malformed_packet},                // "1" is an ack id; payload still missing
      {"4 1", errc::malformed_json},
      {"29007199254740992[\"a\"]", errc::bad_ack_id},  // 2^53
      {"218446744073709551616[\"a\"]", errc::bad_ack_id},  // 2^64
      {"2" + std::string(100, '9') + "[\"a\"]", errc::bad_ack_id},
      {"2/admin", errc::bad_namespace},              // namespace swallowed the rest
      {"2/admin[\"a\"]", errc::bad_namespace},
      {"3/admin,1", errc::malformed_packet},
      {"2admin,[\"a\"]", errc::malformed_json},      // namespace must start with '/'
      {"5[\"a\"]", errc::bad_attachments},           // binary without count
      {"5-[\"a\"]", errc::bad_attachments},
      {"50-[\"a\"]", errc::bad_attachments},
      {"511-[\"a\"]", errc::bad_attachments},        // above maxAttachments
      {"5" + std::string(30, '9') + "-[\"a\"]", errc::bad_attachments},
      {"51[\"a\"]", errc::bad_attachments},          // missing '-'
      {"51", errc::bad_attachments},
      {"5a-[\"a\"]", errc::bad_attachments},
      {"51-", errc::malformed_packet},
      {"61-", errc::malformed_packet},
      {"51-[1]", errc::malformed_json},
      {deep, errc::malformed_json},
      {deep_closed, errc::malformed_json},           // valid JSON, deeper than the limit
      {"2[\"\xff\"]", errc::malformed_json},         // invalid UTF-8
  };
  for (const auto& c : cases) {
    auto r = decode(c.text);
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 60);
    EXPECT_EQ(r.error(), c.expected) << c.text.substr(0, 60) << ": " << r.error().message();
  }
}

TEST(SioEncode, SpecExamples) {
  EXPECT_EQ(encode({PacketType::connect, "/", {}, "", 0}), "0");
  EXPECT_EQ(encode({PacketType::connect, "/admin", {}, R"({"sid":"oSO0OpakMV_3jnilAAAA"})", 0}),
            R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})");
  EXPECT_EQ(encode({PacketType::connect_error, "/", {}, R"({"message":"Not authorized"})", 0}),
            R"(4{"message":"Not authorized"})");
  EXPECT_EQ(encode({PacketType::event, "/", {}, R"(["foo"])", 0}), R"(2["foo"])");
  EXPECT_EQ(encode({PacketType::event, "/admin", {}, R"(["bar"])", 0}), R"(2/admin,["bar"])");
  EXPECT_EQ(encode({PacketType::binary_event, "/", {}, R"(["baz",{"_placeholder":true,"num":0}])", 1}),
            R"(51-["baz",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(encode({PacketType::event, "/", 12, R"(["foo"])", 0}), R"(212["foo"])");
  EXPECT_EQ(encode({PacketType::ack, "/admin", 13, R"(["bar"])", 0}), R"(3/admin,13["bar"])");
  EXPECT_EQ(encode({PacketType::binary_ack, "/", 15, R"(["bar",{"_placeholder":true,"num":0}])", 1}),
            R"(61-15["bar",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(encode({PacketType::disconnect, "/", {}, "", 0}), "1");
  EXPECT_EQ(encode({PacketType::disconnect, "/admin", {}, "", 0}), "1/admin,");
  EXPECT_EQ(encode({PacketType::connect, "", {}, "", 0}), "0");
  EXPECT_EQ(encode({PacketType::ack, "/", kMaxAckId, "[]", 0}), "39007199254740991[]");
}

TEST(SioEncode, RoundTripsThroughDecode) {
  const PacketView packets[] = {
      {PacketType::connect, "/", {}, "", 0},
      {PacketType::connect, "/admin", {}, R"({"token":"x"})", 0},
      {PacketType::disconnect, "/chat", {}, "", 0},
      {PacketType::event, "/", 0, R"(["scan:created",{"id":"a"}])", 0},
      {PacketType::ack, "/x", kMaxAckId, "[]", 0},
      {PacketType::connect_error, "/", {}, R"({"message":"unauthorized"})", 0},
      {PacketType::binary_event, "/a", 3, R"(["x",{"_placeholder":true,"num":0}])", 2},
      {PacketType::binary_ack, "/", 4, "[1]", kMaxAttachments},
  };
  for (const auto& p : packets) {
    ASSERT_TRUE(is_valid(p));
    const std::string text = encode(p);
    auto back = decode(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message();
    EXPECT_EQ(back->type, p.type) << text;
    EXPECT_EQ(back->nsp, p.nsp) << text;
    EXPECT_EQ(back->id, p.id) << text;
    EXPECT_EQ(back->data, p.data) << text;
    EXPECT_EQ(back->attachments, p.attachments) << text;
  }
}

TEST(SioDecodeElements, EventAndAckElementsMatchSplitArray) {
  std::vector<std::string_view> elements{"stale"};
  auto p = decode(R"(2/admin,7 [ "scan:created" , {"a":[1,{"b":"]"}]}, 2 ,null ] )", elements);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(elements, (std::vector<std::string_view>{R"("scan:created")", R"({"a":[1,{"b":"]"}]})", "2", "null"}));
  auto split = json::split_array(p->data);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(elements, *split);

  ASSERT_TRUE(decode("312[]", elements).ok());
  EXPECT_TRUE(elements.empty());
  ASSERT_TRUE(decode(R"(3[1,"x"])", elements).ok());
  EXPECT_EQ(elements, (std::vector<std::string_view>{"1", R"("x")"}));
  ASSERT_TRUE(decode(R"(51-["x",{"_placeholder":true,"num":0}])", elements).ok());
  EXPECT_EQ(elements.size(), 2u);

  // Other types leave it empty.
  ASSERT_TRUE(decode(R"(0{"sid":"x"})", elements).ok());
  EXPECT_TRUE(elements.empty());
}

TEST(SioDecodeElements, FailuresLeaveNoElements) {
  std::vector<std::string_view> elements;
  for (const char* bad : {R"(2["a",1)", R"(2["a",])", R"(2["a"]x)", R"(2[])", R"(2[1,"a"])", R"(2["connect",1])",
                          R"(3[1,])", R"(3{"a":1})", "2", R"(2["a\x"])"}) {
    auto p = decode(bad, elements);
    EXPECT_FALSE(p.ok()) << bad;
    EXPECT_TRUE(elements.empty()) << bad;
    EXPECT_EQ(decode(bad).ok(), p.ok()) << bad;
  }
  // The outer array counts as one level of kDefaultMaxDepth.
  const std::string deep = "2[\"a\"," + std::string(json::kDefaultMaxDepth, '[') +
                           std::string(json::kDefaultMaxDepth, ']') + "]";
  EXPECT_FALSE(decode(deep, elements).ok());
  EXPECT_TRUE(elements.empty());
  const std::string ok = "2[\"a\"," + std::string(json::kDefaultMaxDepth - 1, '[') +
                         std::string(json::kDefaultMaxDepth - 1, ']') + "]";
  EXPECT_TRUE(decode(ok, elements).ok());
  EXPECT_EQ(elements.size(), 2u);
}

TEST(SioIsValid, RejectsWhatCannotBeEncoded) {
  EXPECT_FALSE(is_valid({PacketType::event, "/a,b", {}, R"(["x"])", 0}));
  EXPECT_FALSE(is_valid({PacketType::event, "admin", {}, R"(["x"])", 0}));
  EXPECT_FALSE(is_valid({PacketType::event, "/", kMaxAckId + 1, R"(["x"])", 0}));
  EXPECT_FALSE(is_valid({PacketType::event, "/", {}, "[]", 0}));
  EXPECT_FALSE(is_valid({PacketType::binary_event, "/", {}, R"(["x"])", 0}));
  EXPECT_FALSE(is_valid({PacketType::binary_event, "/", {}, R"(["x"])", kMaxAttachments + 1}));
  EXPECT_FALSE(is_valid({PacketType::disconnect, "/", {}, "{}", 0}));
  EXPECT_FALSE(is_valid({static_cast<PacketType>(7), "/", {}, "", 0}));
  EXPECT_TRUE(is_valid({PacketType::event, "", {}, R"(["x"])", 0}));
}

}  // namespace
}  // namespace scansync::sio
