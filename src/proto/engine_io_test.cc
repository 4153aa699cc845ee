#include "scansync/proto/engine_io.h"

#include <gtest/gtest.h>

#include <string>

namespace scansync::eio {
namespace {

using namespace std::string_literals;
using proto::errc;

TEST(EioText, EncodesTypeDigitAndData) {
  EXPECT_EQ(encode_text(PacketType::ping, "probe"), "2probe");
  EXPECT_EQ(encode_text(PacketType::pong), "3");
  EXPECT_EQ(encode_text(PacketType::message, "2[\"hi\"]"), "42[\"hi\"]");
  EXPECT_EQ(encode_text(PacketType::upgrade), "5");
  EXPECT_EQ(encode_text(PacketType::noop), "6");
}

TEST(EioText, DecodesSpecExamples) {
  auto open = decode_text(R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000})");
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->type, PacketType::open);
  EXPECT_EQ(open->data.substr(0, 7), "{\"sid\":");
  EXPECT_FALSE(open->binary);

  auto probe = decode_text("2probe");
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ(probe->type, PacketType::ping);
  EXPECT_EQ(probe->data, "probe");

  auto pong = decode_text("3");
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->type, PacketType::pong);
  EXPECT_TRUE(pong->data.empty());

  auto msg = decode_text("4hello");
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->type, PacketType::message);
  EXPECT_EQ(msg->data, "hello");

  for (const char* frame : {"1", "5", "6"}) EXPECT_TRUE(decode_text(frame).ok()) << frame;
}

TEST(EioText, RejectsEmptyAndUnknownTypes) {
  EXPECT_EQ(decode_text("").error(), errc::empty_packet);
  for (const std::string& frame : {"7"s, "9x"s, "a"s, "bAQID"s, "\x1e"s, "\0"s, "/4"s, " 4"s}) {
    auto r = decode_text(frame);
    ASSERT_FALSE(r.ok()) << frame;
    EXPECT_EQ(r.error(), errc::unknown_packet_type);
  }
}

TEST(EioBinary, FrameIsBinaryMessage) {
  const std::string bytes = "\x01\x02\0\xff"s;
  const PacketView p = decode_binary(bytes);
  EXPECT_EQ(p.type, PacketType::message);
  EXPECT_TRUE(p.binary);
  EXPECT_EQ(p.data, bytes);
}

TEST(EioPayload, EncodesSpecExample) {
  std::string payload;
  append_to_payload(payload, {PacketType::message, "hello", false});
  append_to_payload(payload, {PacketType::ping, "", false});
  append_to_payload(payload, {PacketType::message, "world", false});
  EXPECT_EQ(payload, "4hello\x1e" "2\x1e" "4world");

  std::string with_binary;
  append_to_payload(with_binary, {PacketType::message, "hello", false});
  append_to_payload(with_binary, {PacketType::message, "\x01\x02\x03\x04", true});
  EXPECT_EQ(with_binary, "4hello\x1e" "bAQIDBA==");
}

TEST(EioPayload, DecodesSpecExamples) {
  auto r = decode_payload("4hello\x1e" "2\x1e" "4world");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->packets.size(), 3u);
  EXPECT_EQ(r->packets[0].type, PacketType::message);
  EXPECT_EQ(r->packets[0].data, "hello");
  EXPECT_EQ(r->packets[1].type, PacketType::ping);
  EXPECT_EQ(r->packets[1].data, "");
  EXPECT_EQ(r->packets[2].data, "world");

  auto b = decode_payload("4hello\x1e" "bAQIDBA==");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->packets.size(), 2u);
  EXPECT_TRUE(b->packets[1].binary);
  EXPECT_EQ(b->packets[1].type, PacketType::message);
  EXPECT_EQ(b->packets[1].data, "\x01\x02\x03\x04");

  auto single = decode_payload("6");
  ASSERT_TRUE(single.ok());
  ASSERT_EQ(single->packets.size(), 1u);
  EXPECT_EQ(single->packets[0].type, PacketType::noop);
}

TEST(EioPayload, BinaryViewsSurviveMovesOfTheResult) {
  // Many short binary packets: their storage uses the small-string buffer,
  // which a reallocation of `storage` would move.
  std::string body;
  for (int i = 0; i < 50; ++i) {
    append_to_payload(body, {PacketType::message, std::string(1, static_cast<char>(i)), true});
    append_to_payload(body, {PacketType::message, "t" + std::to_string(i), false});
  }
  auto r = decode_payload(body);
  ASSERT_TRUE(r.ok());
  DecodedPayload moved = std::move(r).value();
  ASSERT_EQ(moved.packets.size(), 100u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(moved.packets[2 * i].data, std::string(1, static_cast<char>(i)));
    EXPECT_EQ(moved.packets[2 * i + 1].data, "t" + std::to_string(i));
  }
}

TEST(EioPayload, RejectsMalformed) {
  EXPECT_EQ(decode_payload("").error(), errc::empty_packet);
  EXPECT_EQ(decode_payload("\x1e").error(), errc::empty_packet);
  EXPECT_EQ(decode_payload("4a\x1e").error(), errc::empty_packet);
  EXPECT_EQ(decode_payload("\x1e" "4a").error(), errc::empty_packet);
  EXPECT_EQ(decode_payload("4a\x1e\x1e" "4b").error(), errc::empty_packet);
  EXPECT_EQ(decode_payload("4a\x1e" "9").error(), errc::unknown_packet_type);
  EXPECT_EQ(decode_payload("b!!!!").error(), errc::bad_base64);
  EXPECT_EQ(decode_payload("4a\x1e" "bA").error(), errc::bad_base64);
}

TEST(EioPayload, EmptyBinaryPacket) {
  auto r = decode_payload("b");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->packets.size(), 1u);
  EXPECT_TRUE(r->packets[0].binary);
  EXPECT_TRUE(r->packets[0].data.empty());
}

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe\xfd"), "//79");
}

TEST(Base64, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(*base64_decode(""), "");
  EXPECT_EQ(*base64_decode("Zg=="), "f");
  EXPECT_EQ(*base64_decode("Zg"), "f");
  EXPECT_EQ(*base64_decode("Zm8="), "fo");
  EXPECT_EQ(*base64_decode("Zm8"), "fo");
  EXPECT_EQ(*base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(*base64_decode("//79"), "\xff\xfe\xfd");
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(*base64_decode(base64_encode(all)), all);
}

TEST(Base64, RejectsMalformed) {
  for (const char* text : {"Z", "Zg=", "Z===", "====", "Zg==Zg==", "Zm9v\n", "Zm 9v", "Zm9-", "Zm9_", "Zh==",
                           "Zm9=", "=Zm9", "Zg=a"}) {
    auto r = base64_decode(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error(), errc::bad_base64) << text;
  }
}

TEST(Handshake, ParsesSpecExample) {
  auto h = parse_handshake(R"({
    "sid": "lv_VI97HAXpY6yYWAAAC",
    "upgrades": ["websocket"],
    "pingInterval": 25000,
    "pingTimeout": 20000,
    "maxPayload": 1000000
  })");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->sid, "lv_VI97HAXpY6yYWAAAC");
  ASSERT_EQ(h->upgrades.size(), 1u);
  EXPECT_EQ(h->upgrades[0], "websocket");
  EXPECT_EQ(h->ping_interval_ms, 25000u);
  EXPECT_EQ(h->ping_timeout_ms, 20000u);
  EXPECT_EQ(h->max_payload, 1000000u);
}

TEST(Handshake, OptionalAndUnknownKeys) {
  auto h = parse_handshake(
      R"({"extra":{"x":[1,2]},"upgrades":[],"pingTimeout":5000,"sid":"a\u0062","pingInterval":300,"z":null})");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->sid, "ab");
  EXPECT_TRUE(h->upgrades.empty());
  EXPECT_EQ(h->ping_interval_ms, 300u);
  EXPECT_EQ(h->ping_timeout_ms, 5000u);
  EXPECT_EQ(h->max_payload, 1000000u);  // default when absent
}

TEST(Handshake, RejectsMalformed) {
  const std::string ok_tail = R"("upgrades":[],"pingInterval":1,"pingTimeout":1)";
  for (const std::string& text : {
           ""s, "{}"s, "[]"s, "null"s, "{\"sid\":\"x\"}"s,
           "{\"sid\":\"\"," + ok_tail + "}",              // empty sid
           "{\"sid\":1," + ok_tail + "}",                 // sid not a string
           "{\"sid\":\"x\"," + ok_tail + "} x",           // trailing garbage
           "{\"sid\":\"x\"," + ok_tail + ",}",            // trailing comma
           "{\"sid\":\"x\"," + ok_tail + ""s,             // truncated
           R"({"sid":"x","upgrades":[1],"pingInterval":1,"pingTimeout":1})"s,
           R"({"sid":"x","upgrades":"websocket","pingInterval":1,"pingTimeout":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":-1,"pingTimeout":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":1.5,"pingTimeout":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":1e3,"pingTimeout":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":"1","pingTimeout":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":4294967296,"pingTimeout":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":99999999999999999999999,"pingTimeout":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":9007199254740992})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":1})"s,
           R"({"sid":"x","upgrades":[],"pingInterval":1,"pingTimeout":1,"bad":[})"s,
           R"({"sid" "x","upgrades":[],"pingInterval":1,"pingTimeout":1})"s,
       }) {
    auto h = parse_handshake(text);
    ASSERT_FALSE(h.ok()) << text;
    EXPECT_EQ(h.error(), errc::malformed_json) << text;
  }
}

TEST(Handshake, LimitsAreInclusive) {
  auto h = parse_handshake(
      R"({"sid":"x","upgrades":[],"pingInterval":4294967295,"pingTimeout":0,"maxPayload":9007199254740991})");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->ping_interval_ms, 4294967295u);
  EXPECT_EQ(h->max_payload, 9007199254740991u);
}

TEST(Handshake, EncodeRoundTrips) {
  Handshake h;
  h.sid = "s\"id\\";
  h.upgrades = {"websocket", "webtransport"};
  h.ping_interval_ms = 1234;
  h.ping_timeout_ms = 567;
  h.max_payload = 89;
  const std::string text = encode_handshake(h);
  EXPECT_EQ(text,
            R"({"sid":"s\"id\\","upgrades":["websocket","webtransport"],"pingInterval":1234,"pingTimeout":567,"maxPayload":89})");
  auto back = parse_handshake(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->sid, h.sid);
  EXPECT_EQ(back->upgrades, h.upgrades);
  EXPECT_EQ(back->ping_interval_ms, h.ping_interval_ms);
  EXPECT_EQ(back->ping_timeout_ms, h.ping_timeout_ms);
  EXPECT_EQ(back->max_payload, h.max_payload);
}

TEST(ProtoErrors, CategoryAndMessages) {
  const std::error_code ec = errc::bad_base64;
  EXPECT_STREQ(ec.category().name(), "scansync.proto");
  EXPECT_EQ(ec.message(), "bad base64");
  for (int v = 1; v <= 10; ++v) {
    EXPECT_NE(std::error_code(v, proto::category()).message(), "unknown scansync.proto error") << v;
  }
  EXPECT_EQ(std::error_code(99, proto::category()).message(), "unknown scansync.proto error");
}

}  // namespace
}  // namespace scansync::eio
