// Seeded random walks over every input the core has, valid and broken,
// checking invariants after each step. Deterministic: a failure names its
// seed and step, and replays.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed * 0x9e3779b97f4a7c15ull + 1) {}
  std::uint64_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t s_;
};

const std::vector<std::string> kServerFrames = {
    R"(0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
    R"(40{"sid":"s1"})",
    R"(40{"sid":"s2","pid":"p1"})",
    R"(44{"message":"unauthorized","data":{"code":"token_expired"}})",
    R"(44{"message":"unauthorized","data":{"code":"token_missing"}})",
    R"(44{"message":"unauthorized","data":{"code":"token_invalid"}})",
    R"(44{"message":"busy"})",
    "41",
    "1",
    "2",
    "3",
    "6",
    R"(42["scan:created",{"id":"a"},"off-1"])",
    R"(427["ask",1])",
    R"(430[{"ok":true}])",
    R"(431[{"ok":false,"error":"forbidden"}])",
    R"(432[])",
    R"(433[1,2])",
    R"(451-["bin",{"_placeholder":true,"num":0}])",
    "42[\"broken\"",
    "4\xff",
    "",
    "0{}",
};

TEST(ClientCoreRandom, InvariantsHoldOnRandomWalks) {
  // The walks must reach the interesting states, or they prove little.
  int walks_connected = 0, walks_gave_up = 0, walks_unauthorized = 0, walks_flushed = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    Rng rng(seed);
    ClientOptions options;
    options.queue_capacity = 1 + rng.below(5);
    options.backoff.max_attempts = 1 + static_cast<int>(rng.below(4));
    options.join_room = rng.below(4) != 0;
    ScriptedServer s(options);
    std::map<int, int> ack_calls;  // emit number -> times its handler ran
    int emits = 0;
    bool user_disconnected = false;
    std::size_t events_at_disconnect = 0;
    std::size_t statuses_at_disconnect = 0;
    s.core.on("*", [&](const Event& e) {
      // Every "error" event carries one JSON object with a code.
      if (e.name == "error") {
        ASSERT_EQ(e.args.size(), 1u);
        ASSERT_EQ(e.args[0].rfind("{\"code\":\"", 0), 0u);
      }
    });
    bool connected = false, gave_up = false, unauthorized = false;
    int transport_seen = 0;
    std::vector<std::string> on_transport;
    for (int step = 0; step < 300; ++step) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step));
      const std::size_t what = rng.below(16);
      // What the core sent on the current transport, to answer like a server.
      if (s.opens() != transport_seen) {
        transport_seen = s.opens();
        on_transport.clear();
      }
      for (auto& f : s.take_frames()) {
        walks_flushed += f.rfind("42", 0) == 0 && f.find("[\"e\",") != std::string::npos;
        on_transport.push_back(std::move(f));
      }
      switch (what) {
        case 0:
          s.core.connect();
          user_disconnected = false;
          break;
        case 1: case 14: case 15:
          // A well-behaved server's next step.
          if (s.transport_pending()) {
            s.open_transport();
          } else if (s.transport_open() && on_transport.empty()) {
            s.handshake();
          } else if (s.transport_open() && on_transport.back().rfind("40", 0) == 0) {
            const std::size_t answer = rng.below(10);
            if (answer < 7) {
              s.accept("s", answer < 4 ? std::optional<std::string>("p1") : std::nullopt);
            } else {
              s.feed(kServerFrames[3 + rng.below(4)]);  // a CONNECT_ERROR
            }
          } else if (s.transport_open() && s.ack_id_of("room:join")) {
            s.ack_join();
          }
          break;
        case 2: case 3: case 4:
          if (s.transport_open()) s.feed(kServerFrames[rng.below(kServerFrames.size())]);
          break;
        case 5:
          if (s.transport_open()) s.feed("2");
          break;
        case 6:
          if (s.transport_open() && rng.below(3) == 0) s.close_transport();
          break;
        case 7: s.advance(Millis{static_cast<long>(rng.below(8) == 0 ? rng.below(60000) : rng.below(2000))}); break;
        case 8: {
          const int n = emits++;
          ack_calls[n] = 0;
          s.core.emit("e", "[" + std::to_string(n) + "]",
                      [&ack_calls, n](std::error_code, const std::vector<std::string_view>&) { ++ack_calls[n]; });
          events_at_disconnect = s.events.size();  // an emit may report its own overflow
          break;
        }
        case 9:
          if (rng.below(4) == 0) {
            s.core.disconnect();
            user_disconnected = true;
            events_at_disconnect = s.events.size();
            statuses_at_disconnect = s.statuses.size();
          }
          break;
        case 10: s.core.set_online(rng.below(3) != 0); break;
        case 11: s.core.set_foreground(rng.below(3) != 0); break;
        case 12: s.fire_timer(); break;
        case 13: s.core.on_transport_binary("\x01"); break;
      }
      s.pump();
      if (::testing::Test::HasFatalFailure()) return;
      // Invariants.
      const StatusInfo& st = s.core.status();
      if (!s.statuses.empty()) {
        EXPECT_EQ(s.statuses.back(), st);
      }
      EXPECT_LE(s.core.queued_count(), options.queue_capacity);
      for (const auto& [n, calls] : ack_calls) ASSERT_LE(calls, 1) << "emit " << n;
      if (st.status == Status::disconnected) {
        EXPECT_FALSE(s.timer().has_value());
        EXPECT_FALSE(s.transport_open());
      }
      if (st.status == Status::reconnecting && !s.transport_open() && !s.transport_pending()) {
        EXPECT_TRUE(s.timer().has_value());
      }
      if (st.status == Status::connected) {
        EXPECT_TRUE(s.transport_open());
      }
      // After disconnect() nothing is heard until connect(), whatever happens.
      if (user_disconnected) {
        EXPECT_EQ(s.events.size(), events_at_disconnect);
        EXPECT_EQ(s.statuses.size(), statuses_at_disconnect);
        EXPECT_EQ(st, disconnected(DisconnectReason::user));
      }
      connected |= st.status == Status::connected;
      gave_up |= st.reason == DisconnectReason::gave_up;
      unauthorized |= st.reason == DisconnectReason::unauthorized;
    }
    walks_connected += connected;
    walks_gave_up += gave_up;
    walks_unauthorized += unauthorized;
  }
  std::printf("random walks: %d connected, %d gave up, %d unauthorized, %d emits sent\n", walks_connected,
              walks_gave_up, walks_unauthorized, walks_flushed);
  EXPECT_GE(walks_connected, 100);
  EXPECT_GE(walks_gave_up, 10);
  EXPECT_GE(walks_unauthorized, 10);
  EXPECT_GE(walks_flushed, 100);
}

}  // namespace
}  // namespace scansync::client::testing
