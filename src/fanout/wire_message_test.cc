#include "fanout/wire_message.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace scansync::fanout {
namespace {

TEST(WireMessage, RoundTripsEveryKind) {
  const std::string binary_frame("\x04\x00\xff\n\r", 5);
  for (auto [kind, frame] : {std::pair{FrameKind::text, std::string("42[\"scan:created\",{}]")},
                             std::pair{FrameKind::binary, binary_frame}, std::pair{FrameKind::hint, std::string()}}) {
    const std::string bytes = encode_message(42, kind, "node-a", "e0e1", frame);
    auto m = decode_message(bytes, 1 << 20);
    ASSERT_TRUE(m) << m.error().message();
    EXPECT_EQ(m->seq, 42);
    EXPECT_EQ(m->kind, kind);
    EXPECT_EQ(m->origin, "node-a");
    EXPECT_EQ(m->epoch, "e0e1");
    EXPECT_EQ(m->frame, frame);
  }
}

TEST(WireMessage, FieldsMayHoldAnyByte) {
  const std::string origin("a b:\n\0z", 7);
  const std::string epoch(255, '\n');
  auto bytes = encode_message(9223372036854775807LL, FrameKind::text, origin, epoch, "4x");
  auto m = decode_message(bytes, 1 << 20);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(m->seq, 9223372036854775807LL);
  EXPECT_EQ(m->origin, origin);
  EXPECT_EQ(m->epoch, epoch);
  EXPECT_EQ(m->frame, "4x");
}

TEST(WireMessage, EmptyEpochAndFrame) {
  auto m = decode_message(encode_message(1, FrameKind::text, "n", "", ""), 100);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->epoch.empty());
  EXPECT_TRUE(m->frame.empty());
}

TEST(WireMessage, RejectsLongerThanTheLimit) {
  auto bytes = encode_message(1, FrameKind::text, "n", "e", std::string(100, 'x'));
  EXPECT_TRUE(decode_message(bytes, bytes.size()));
  EXPECT_EQ(decode_message(bytes, bytes.size() - 1).error(), MessageError::too_large);
}

TEST(WireMessage, RejectsGarbage) {
  struct Case {
    std::string bytes;
    MessageError error;
  };
  const Case cases[] = {
      {"", MessageError::bad_magic},
      {"hello", MessageError::bad_magic},
      {"ssf2 1 t 1:n 0:\n", MessageError::bad_magic},
      {"ssf1 ", MessageError::bad_seq},
      {"ssf1 0 t 1:n 0:\n", MessageError::bad_seq},
      {"ssf1 01 t 1:n 0:\n", MessageError::bad_seq},
      {"ssf1 -1 t 1:n 0:\n", MessageError::bad_seq},
      {"ssf1 9223372036854775808 t 1:n 0:\n", MessageError::bad_seq},
      {"ssf1 99999999999999999999999 t 1:n 0:\n", MessageError::bad_seq},
      {"ssf1 1x t 1:n 0:\n", MessageError::bad_seq},
      {"ssf1 1 ", MessageError::bad_kind},
      {"ssf1 1 x 1:n 0:\n", MessageError::bad_kind},
      {"ssf1 1 tt 1:n 0:\n", MessageError::bad_kind},
      {"ssf1 1 t ", MessageError::bad_field},
      {"ssf1 1 t 5:n 0:\n", MessageError::bad_field},
      {"ssf1 1 t 1:n 0:", MessageError::bad_field},
      {"ssf1 1 t 1:n 0: ", MessageError::bad_field},
      {"ssf1 1 t 1:nn 0:\n", MessageError::bad_field},
      {"ssf1 1 t 256:" + std::string(256, 'n') + " 0:\n", MessageError::bad_field},
      {"ssf1 1 t 1:n 1:e", MessageError::bad_field},
      {"ssf1 1 h 1:n 0:\nframe", MessageError::hint_with_frame},
  };
  for (const auto& c : cases) {
    auto m = decode_message(c.bytes, 1 << 20);
    ASSERT_FALSE(m) << c.bytes;
    EXPECT_EQ(m.error(), c.error) << c.bytes << ": " << m.error().message();
  }
}

TEST(WireMessage, EveryTruncationIsAnErrorNotACrash) {
  const std::string bytes = encode_message(123, FrameKind::text, "origin", "epoch", "");
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(decode_message(bytes.substr(0, n), 1 << 20)) << n;
}

TEST(Channel, KeepsPlainIdsReadable) {
  EXPECT_EQ(channel_of("scansync:", "alice"), "scansync:u:alice");
  EXPECT_EQ(channel_of("scansync:", "a.b_c~d@e+f=g-h9"), "scansync:u:a.b_c~d@e+f=g-h9");
}

TEST(Channel, EscapesGlobSeparatorsAndOddBytes) {
  EXPECT_EQ(escape_user("a*b?[c]\\"), "a%2Ab%3F%5Bc%5D%5C");
  EXPECT_EQ(escape_user("x:y z%"), "x%3Ay%20z%25");
  EXPECT_EQ(escape_user(std::string("\0\n\xff", 3)), "%00%0A%FF");
  EXPECT_EQ(escape_user(""), "");
}

TEST(Channel, IsInjective) {
  // '%' is escaped itself, so an id that looks escaped differs from the one it spells.
  std::set<std::string> channels;
  for (std::string id : {"a%3Ab", "a:b", "a%253Ab", "A:B", "a b", "a+b", "a%20b"})
    EXPECT_TRUE(channels.insert(channel_of("p:", id)).second) << id;
}

}  // namespace
}  // namespace scansync::fanout
