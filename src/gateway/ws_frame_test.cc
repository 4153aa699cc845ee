#include "gateway/ws_frame.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace scansync::gateway::ws {
namespace {

// A client frame: masked with a fixed key unless `masked` is false.
std::string client_frame(std::uint8_t b0, std::string_view payload, bool masked = true, int length_form = 0) {
  std::string f;
  f.push_back(static_cast<char>(b0));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  const std::uint64_t n = payload.size();
  if (length_form == 0 && n < 126) {
    f.push_back(static_cast<char>(mask_bit | n));
  } else if (length_form <= 16 && n <= 0xFFFF) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 0; i < 8; ++i) f.push_back(static_cast<char>(n >> (56 - 8 * i)));
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i & 3]) : payload[i]);
  return f;
}

Event parse(Parser& p, std::string& buf) { return p.next(buf.data(), buf.size()); }

TEST(WsFrame, AcceptKeyMatchesRfc6455Example) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_TRUE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(valid_client_key(""));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ"));
  EXPECT_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j*Q=="));
}

TEST(WsFrame, EncodesHeadersInTheShortestForm) {
  EXPECT_EQ(encode_header(Opcode::text, 5).view(), std::string("\x81\x05", 2));
  EXPECT_EQ(encode_header(Opcode::binary, 126).view(), std::string("\x82\x7e\x00\x7e", 4));
  EXPECT_EQ(encode_header(Opcode::text, 65536).view(), std::string("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  EXPECT_EQ(encode_frame(Opcode::pong, "hi"), std::string("\x8a\x02hi", 4));
  const std::string c = encode_close(1000, std::string(200, 'r'));
  EXPECT_EQ(c.size(), 2u + 2 + 123);
  EXPECT_EQ(c.substr(0, 4), std::string("\x88\x7d\x03\xe8", 4));
}

TEST(WsFrame, ParsesMaskedTextBinaryPingPongClose) {
  Parser p(1000);
  std::string buf = client_frame(0x81, "42[\"x\"]") + client_frame(0x82, std::string("\x04\xff", 2)) +
                    client_frame(0x89, "p") + client_frame(0x8A, "q") + client_frame(0x88, "\x03\xe9" "bye");
  std::vector<std::pair<Event::Kind, std::string>> got;
  std::size_t off = 0;
  while (true) {
    Event e = p.next(buf.data() + off, buf.size() - off);
    if (e.kind == Event::Kind::need_more) break;
    got.emplace_back(e.kind, std::string(e.payload));
    if (e.kind == Event::Kind::close) {
      EXPECT_EQ(e.code, 1001);
    }
    off += e.consumed;
  }
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], std::make_pair(Event::Kind::text, std::string("42[\"x\"]")));
  EXPECT_EQ(got[1], std::make_pair(Event::Kind::binary, std::string("\x04\xff", 2)));
  EXPECT_EQ(got[2], std::make_pair(Event::Kind::ping, std::string("p")));
  EXPECT_EQ(got[3], std::make_pair(Event::Kind::pong, std::string("q")));
  EXPECT_EQ(got[4], std::make_pair(Event::Kind::close, std::string("bye")));
  EXPECT_EQ(off, buf.size());
}

TEST(WsFrame, CloseWithoutCodeReports1005) {
  Parser p(10);
  std::string buf = client_frame(0x88, "");
  Event e = parse(p, buf);
  EXPECT_EQ(e.kind, Event::Kind::close);
  EXPECT_EQ(e.code, 1005);
}

TEST(WsFrame, SixteenAndSixtyFourBitLengths) {
  Parser p(1 << 20);
  const std::string big(70000, 'a');
  std::string buf = client_frame(0x81, std::string(300, 'b'));
  Event e = parse(p, buf);
  ASSERT_EQ(e.kind, Event::Kind::text);
  EXPECT_EQ(e.payload.size(), 300u);
  buf = client_frame(0x81, big);
  e = parse(p, buf);
  ASSERT_EQ(e.kind, Event::Kind::text);
  EXPECT_EQ(e.payload, big);
  buf = client_frame(0x81, "short", true, 64);  // non-minimal length form is accepted
  e = parse(p, buf);
  ASSERT_EQ(e.kind, Event::Kind::text);
  EXPECT_EQ(e.payload, "short");
}

TEST(WsFrame, PartialInputAsksForMoreAndReportsTheFrameSize) {
  Parser p(1000);
  const std::string whole = client_frame(0x81, std::string(200, 'z'));
  for (std::size_t n = 0; n < whole.size(); ++n) {
    std::string part = whole.substr(0, n);
    Event e = parse(p, part);
    ASSERT_EQ(e.kind, Event::Kind::need_more) << n;
    EXPECT_EQ(e.consumed, 0u);
    if (n >= 8) {
      EXPECT_EQ(e.needed, whole.size());
    }
  }
  std::string all = whole;
  EXPECT_EQ(parse(p, all).kind, Event::Kind::text);
}

TEST(WsFrame, ReassemblesFragmentsWithControlFramesBetween) {
  Parser p(1000);
  std::string buf = client_frame(0x01, "42[") + client_frame(0x89, "ping") + client_frame(0x00, "\"a\"") +
                    client_frame(0x80, "]");
  std::size_t off = 0;
  std::vector<Event::Kind> kinds;
  std::string message;
  while (off < buf.size()) {
    Event e = p.next(buf.data() + off, buf.size() - off);
    ASSERT_NE(e.kind, Event::Kind::need_more);
    ASSERT_NE(e.kind, Event::Kind::error);
    kinds.push_back(e.kind);
    if (e.kind == Event::Kind::text) message = std::string(e.payload);
    off += e.consumed;
  }
  EXPECT_EQ(kinds, (std::vector<Event::Kind>{Event::Kind::fragment, Event::Kind::ping, Event::Kind::fragment,
                                              Event::Kind::text}));
  EXPECT_EQ(message, "42[\"a\"]");
  EXPECT_FALSE(p.in_message());
}

struct Malformed {
  const char* what;
  std::string bytes;
  std::uint16_t code;
};

TEST(WsFrame, MalformedFramesAreProtocolErrors) {
  const std::vector<Malformed> cases = {
      {"unmasked", client_frame(0x81, "hi", false), kCloseProtocolError},
      {"RSV1 set", client_frame(0xC1, "hi"), kCloseProtocolError},
      {"RSV3 set", client_frame(0x91, "hi"), kCloseProtocolError},
      {"opcode 3", client_frame(0x83, "hi"), kCloseProtocolError},
      {"opcode 0xB", client_frame(0x8B, "hi"), kCloseProtocolError},
      {"continuation first", client_frame(0x80, "hi"), kCloseProtocolError},
      {"fragmented ping", client_frame(0x09, "hi"), kCloseProtocolError},
      {"control over 125", client_frame(0x89, std::string(126, 'x')), kCloseProtocolError},
      {"close with 1 byte", client_frame(0x88, "x"), kCloseProtocolError},
      {"close code 1005", client_frame(0x88, "\x03\xed"), kCloseProtocolError},
      {"close code 999", client_frame(0x88, "\x03\xe7"), kCloseProtocolError},
      {"text inside a fragmented message", client_frame(0x01, "a") + client_frame(0x81, "b"), kCloseProtocolError},
      {"over max_payload", client_frame(0x81, std::string(101, 'x')), kCloseTooBig},
      {"fragments over max_payload", client_frame(0x01, std::string(60, 'x')) + client_frame(0x80, std::string(60, 'x')),
       kCloseTooBig},
      {"64-bit length with the top bit", std::string("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x01", 10), kCloseProtocolError},
  };
  for (const auto& c : cases) {
    Parser p(100);
    std::string buf = c.bytes;
    std::size_t off = 0;
    Event e;
    do {
      e = p.next(buf.data() + off, buf.size() - off);
      off += e.consumed;
    } while (e.kind != Event::Kind::error && e.kind != Event::Kind::need_more);
    EXPECT_EQ(e.kind, Event::Kind::error) << c.what;
    EXPECT_EQ(e.code, c.code) << c.what;
    // Failed stays failed.
    std::string good = client_frame(0x81, "ok");
    EXPECT_EQ(p.next(good.data(), good.size()).kind, Event::Kind::error) << c.what;
  }
}

TEST(WsFrame, HugeDeclaredLengthFailsBeforeThePayloadArrives) {
  Parser p(1000);
  std::string header("\x82\xff\x00\x00\x00\x00\x01\x00\x00\x00", 10);  // 16 MB declared, nothing sent
  Event e = parse(p, header);
  EXPECT_EQ(e.kind, Event::Kind::error);
  EXPECT_EQ(e.code, kCloseTooBig);
}

TEST(WsFrame, RaisedLimitAppliesToTheNextFrame) {
  Parser p(10);
  std::string small = client_frame(0x81, std::string(10, 'a'));
  EXPECT_EQ(parse(p, small).kind, Event::Kind::text);
  p.set_max_payload(100);  // the peer was admitted
  std::string bigger = client_frame(0x81, std::string(50, 'b'));
  EXPECT_EQ(parse(p, bigger).kind, Event::Kind::text);
  Parser q(10);
  std::string over = client_frame(0x81, std::string(11, 'c'));
  EXPECT_EQ(parse(q, over).code, kCloseTooBig);
}

// Random bytes, fed in random slices: the parser never reads out of bounds,
// never consumes more than it was given, and never reports a payload outside
// the input or its own buffer. Run under ASan to catch the first two.
TEST(WsFrame, RandomInputNeverCrashes) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 3000; ++round) {
    Parser p(rng() % 2 ? 64 : 100000);
    std::string buf(rng() % 300, '\0');
    for (auto& c : buf) c = static_cast<char>(rng());
    if (round % 3 == 0 && !buf.empty()) buf[1] = static_cast<char>(buf[1] | 0x80);  // masked more often
    if (round % 5 == 0 && !buf.empty()) buf[0] = static_cast<char>((buf[0] & 0x8F));  // no RSV bits
    std::size_t off = 0;
    for (int step = 0; step < 100 && off <= buf.size(); ++step) {
      Event e = p.next(buf.data() + off, buf.size() - off);
      ASSERT_LE(e.consumed, buf.size() - off);
      if (e.kind == Event::Kind::need_more || e.kind == Event::Kind::error) break;
      ASSERT_GT(e.consumed, 0u);
      off += e.consumed;
    }
  }
}

// Valid frames split at random points: every message comes out whole.
TEST(WsFrame, RandomSplitsOfValidFrames) {
  std::mt19937 rng(99);
  for (int round = 0; round < 300; ++round) {
    std::string stream;
    std::vector<std::string> sent;
    for (int i = 0; i < 5; ++i) {
      std::string m(rng() % 400, 'a' + static_cast<char>(i));
      sent.push_back(m);
      if (m.size() > 2 && rng() % 2) {
        stream += client_frame(0x01, m.substr(0, 2)) + client_frame(0x89, "") + client_frame(0x80, m.substr(2));
      } else {
        stream += client_frame(0x81, m);
      }
    }
    Parser p(100000);
    std::string pending;
    std::vector<std::string> got;
    std::size_t fed = 0;
    while (fed < stream.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 50, stream.size() - fed);
      pending.append(stream, fed, n);
      fed += n;
      std::size_t off = 0;
      while (true) {
        Event e = p.next(pending.data() + off, pending.size() - off);
        ASSERT_NE(e.kind, Event::Kind::error);
        if (e.kind == Event::Kind::need_more) break;
        if (e.kind == Event::Kind::text) got.emplace_back(e.payload);
        off += e.consumed;
      }
      pending.erase(0, off);
    }
    EXPECT_EQ(got, sent);
  }
}

}  // namespace
}  // namespace scansync::gateway::ws
