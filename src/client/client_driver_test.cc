// ClientDriver over a fake Platform: a fake clock, one timer, and recorded
// transports (opens, sends, closes), driven the way a real adapter would.
#include "scansync/client/client_driver.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client_test_support.h"

namespace scansync::client::testing {
namespace {

constexpr std::string_view kQuery = "EIO=4&transport=websocket";

// What happened to one transport the driver opened.
struct TransportRecord {
  TransportId id = 0;
  std::string query;
  std::vector<std::string> sent;
  bool closed = false;   // Transport::close()
  bool aborted = false;  // Transport::abort()
  bool destroyed = false;
  bool ended() const { return closed || aborted; }
};

class FakeTransport : public Transport {
 public:
  explicit FakeTransport(TransportRecord& r) : record_(r) {}
  ~FakeTransport() override { record_.destroyed = true; }
  void send(std::string frame) override {
    EXPECT_FALSE(record_.ended()) << "send after close/abort";
    record_.sent.push_back(std::move(frame));
  }
  void close() override { record_.closed = true; }
  void abort() override { record_.aborted = true; }

 private:
  TransportRecord& record_;
};

class FakePlatform : public Platform {
 public:
  std::unique_ptr<Transport> open_transport(std::string_view query, TransportId id) override {
    auto& r = transports.emplace_back();
    r.id = id;
    r.query = std::string(query);
    if (on_open) on_open(r);
    if (return_null) return nullptr;
    return std::make_unique<FakeTransport>(r);
  }
  void arm_timer(TimePoint deadline) override {
    ++arms;
    timer = deadline;
  }
  void cancel_timer() override {
    ++cancels;
    timer.reset();
  }
  TimePoint now() override { return clock; }

  // Moves the clock forward, firing the timer at each deadline on the way.
  void advance(ClientDriver& driver, Millis d) {
    const TimePoint end = clock + d;
    while (timer && *timer <= end) {
      clock = *timer;
      timer.reset();
      driver.timer_fired();
    }
    clock = end;
  }

  TransportRecord& last() { return transports.back(); }
  int opens() const { return static_cast<int>(transports.size()); }

  TimePoint clock{std::chrono::hours(1)};
  std::optional<TimePoint> timer;
  int arms = 0;
  int cancels = 0;
  std::deque<TransportRecord> transports;  // deque: records stay put
  std::function<void(TransportRecord&)> on_open;
  bool return_null = false;
};

std::string handshake(int ping_interval = 25000, int ping_timeout = 20000) {
  return R"(0{"sid":"eio1","upgrades":[],"pingInterval":)" + std::to_string(ping_interval) +
         ",\"pingTimeout\":" + std::to_string(ping_timeout) + ",\"maxPayload\":1000000}";
}

struct Fixture {
  explicit Fixture(ClientOptions options = {})
      : driver(std::make_unique<ClientDriver>(std::move(options), [] { return std::string("tok"); }, platform)) {
    driver->on_status([this](const StatusInfo& s) { statuses.push_back(s); });
    driver->on("*", [this](const Event& e) {
      RecordedEvent r{std::string(e.name), {}};
      for (auto a : e.args) r.args.emplace_back(a);
      events.push_back(std::move(r));
    });
  }

  // Open, handshake, CONNECT ack and join ack on the transport just opened.
  void complete(int ping_interval = 25000, int ping_timeout = 20000) {
    const TransportId id = platform.last().id;
    driver->transport_opened(id);
    driver->transport_text(id, handshake(ping_interval, ping_timeout));
    driver->transport_text(id, R"(40{"sid":"s1"})");
    // The join's ack id counts on across connections: read it off the frame.
    const std::string& join = platform.last().sent.back();
    ASSERT_EQ(join.rfind("42", 0), 0u) << join;
    const std::string ack_id = join.substr(2, join.find('[') - 2);
    driver->transport_text(id, "43" + ack_id + R"([{"ok":true,"room":"user:alice"}])");
  }
  void connect_fully(int ping_interval = 25000, int ping_timeout = 20000) {
    driver->connect();
    complete(ping_interval, ping_timeout);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& e : events) out.push_back(e.name);
    return out;
  }

  FakePlatform platform;  // before the driver: it must outlive it
  std::unique_ptr<ClientDriver> driver;
  std::vector<StatusInfo> statuses;
  std::vector<RecordedEvent> events;
};

TEST(ClientDriver, ConnectOpensATransportWithTheEngineIoQuery) {
  Fixture f;
  EXPECT_EQ(f.platform.opens(), 0);
  f.driver->connect();
  ASSERT_EQ(f.platform.opens(), 1);
  EXPECT_EQ(f.platform.last().query, kQuery);
  EXPECT_EQ(f.platform.last().id, 1u);
  // The connect timeout runs on the platform's clock.
  ASSERT_TRUE(f.platform.timer.has_value());
  EXPECT_EQ(*f.platform.timer, f.platform.clock + Millis{20000});
  EXPECT_EQ(f.driver->status(), connecting());
}

TEST(ClientDriver, FramesInEventsAndFramesOut) {
  Fixture f;
  f.driver->connect();
  auto& t = f.platform.last();
  f.driver->transport_opened(t.id);
  f.driver->transport_text(t.id, handshake());
  EXPECT_EQ(t.sent, (std::vector<std::string>{R"(40{"token":"tok"})"}));
  f.driver->transport_text(t.id, R"(40{"sid":"s1"})");
  EXPECT_EQ(f.driver->status(), connected());
  EXPECT_EQ(t.sent.back(), R"(420["room:join",{}])");
  f.driver->transport_text(t.id, R"(430[{"ok":true}])");

  std::vector<std::string> got;
  f.driver->on("scan:created", [&](const Event& e) { got.emplace_back(e.args.at(0)); });
  f.driver->transport_text(t.id, R"(42["scan:created",{"id":"a"}])");
  EXPECT_EQ(got, (std::vector<std::string>{R"({"id":"a"})"}));

  std::vector<RecordedAck> acks;
  f.driver->emit("scan:create", R"([{"code":"x"}])", [&](std::error_code ec, const std::vector<std::string_view>& a) {
    acks.push_back({ec, std::vector<std::string>(a.begin(), a.end())});
  });
  EXPECT_EQ(t.sent.back(), R"(421["scan:create",{"code":"x"}])");
  f.driver->transport_text(t.id, R"(431[{"ok":true}])");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_FALSE(acks[0].ec);
  EXPECT_EQ(acks[0].args, (std::vector<std::string>{R"({"ok":true})"}));
}

TEST(ClientDriver, BinaryMessagesAreReportedAndIgnored) {
  Fixture f;
  f.connect_fully();
  f.driver->transport_binary(f.platform.last().id, "\x01\x02");
  ASSERT_FALSE(f.events.empty());
  EXPECT_EQ(f.events.back().name, "error");
  EXPECT_NE(f.events.back().args.at(0).find("binary_unsupported"), std::string::npos);
  EXPECT_EQ(f.driver->status(), connected());
}

TEST(ClientDriver, ReportsForAnEarlierTransportAreIgnored) {
  Fixture f;
  f.connect_fully();
  const TransportId first = f.platform.last().id;
  f.driver->transport_closed(first, "eof");
  EXPECT_EQ(f.driver->status(), reconnecting(1, Millis{1000}));
  EXPECT_EQ(f.driver->last_transport_error(), "eof");
  EXPECT_TRUE(f.platform.transports[0].destroyed);
  EXPECT_FALSE(f.platform.transports[0].ended());  // it closed itself: nothing to tell it
  f.platform.advance(*f.driver, Millis{1000});
  ASSERT_EQ(f.platform.opens(), 2);
  auto& second = f.platform.last();
  EXPECT_NE(second.id, first);

  // Late completions of the first transport change nothing.
  const auto statuses = f.statuses.size();
  f.driver->transport_opened(first);
  f.driver->transport_text(first, handshake());
  f.driver->transport_text(first, R"(42["scan:created",{"id":"late"}])");
  f.driver->transport_closed(first, "late close");
  EXPECT_EQ(f.statuses.size(), statuses);
  EXPECT_TRUE(second.sent.empty());
  EXPECT_EQ(f.driver->last_transport_error(), "eof");
  for (auto& e : f.events) EXPECT_NE(e.name, "scan:created");
  // Id 0 names no transport.
  f.driver->transport_opened(0);
  f.driver->transport_closed(0, "zero");
  EXPECT_EQ(f.driver->status(), reconnecting(1, Millis{1000}));  // unchanged while the attempt is in flight

  f.complete();
  EXPECT_EQ(f.driver->status(), connected());
}

TEST(ClientDriver, ATransportReplacedByTheDriverIsAbortedAndIgnored) {
  ClientOptions o;
  o.connect_timeout = Millis{5000};
  Fixture f(o);
  f.driver->connect();
  const TransportId first = f.platform.last().id;
  f.platform.advance(*f.driver, Millis{5000});  // connect timeout: the driver drops it
  EXPECT_TRUE(f.platform.transports[0].ended());
  EXPECT_TRUE(f.platform.transports[0].destroyed);
  EXPECT_EQ(f.driver->status(), reconnecting(1, Millis{1000}));
  f.driver->transport_closed(first, "aborted");  // what a real socket says after abort()
  EXPECT_EQ(f.driver->status(), reconnecting(1, Millis{1000}));
  EXPECT_TRUE(f.driver->last_transport_error().empty());
  EXPECT_EQ(f.platform.opens(), 1);
}

TEST(ClientDriver, HeartbeatSilenceReconnectsOnTheFakeClock) {
  Fixture f;
  f.connect_fully(1000, 500);
  auto& t = f.platform.transports[0];
  ASSERT_TRUE(f.platform.timer.has_value());
  EXPECT_EQ(*f.platform.timer, f.platform.clock + Millis{1500});
  f.platform.advance(*f.driver, Millis{1499});
  EXPECT_EQ(f.driver->status(), connected());
  f.driver->transport_text(t.id, "2");  // a ping moves the deadline
  EXPECT_EQ(t.sent.back(), "3");
  EXPECT_EQ(*f.platform.timer, f.platform.clock + Millis{1500});
  f.platform.advance(*f.driver, Millis{1499});
  EXPECT_EQ(f.driver->status(), connected());
  f.platform.advance(*f.driver, Millis{1});
  EXPECT_EQ(f.driver->status(), reconnecting(1, Millis{1000}));
  EXPECT_TRUE(t.ended());
  EXPECT_EQ(f.events.back().name, "disconnect");
  EXPECT_EQ(f.events.back().args.at(0), "\"ping timeout\"");
  // Backoff: exactly 1 s later, the second attempt.
  EXPECT_EQ(*f.platform.timer, f.platform.clock + Millis{1000});
  f.platform.advance(*f.driver, Millis{999});
  EXPECT_EQ(f.platform.opens(), 1);
  f.platform.advance(*f.driver, Millis{1});
  EXPECT_EQ(f.platform.opens(), 2);
}

TEST(ClientDriver, BackoffDoublesBetweenFailedAttempts) {
  Fixture f;
  f.driver->connect();
  std::vector<Millis> waits;
  for (int i = 0; i < 4; ++i) {
    f.driver->transport_closed(f.platform.last().id, "refused");
    ASSERT_TRUE(f.platform.timer.has_value());
    waits.push_back(std::chrono::duration_cast<Millis>(*f.platform.timer - f.platform.clock));
    const int opens = f.platform.opens();
    f.platform.advance(*f.driver, waits.back());
    ASSERT_EQ(f.platform.opens(), opens + 1);
  }
  EXPECT_EQ(waits, (std::vector<Millis>{Millis{1000}, Millis{2000}, Millis{4000}, Millis{8000}}));
}

TEST(ClientDriver, TimerFiredAfterCancelIsIgnored) {
  Fixture f;
  f.driver->connect();
  f.driver->transport_closed(f.platform.last().id, "refused");
  ASSERT_TRUE(f.platform.timer.has_value());
  f.driver->disconnect();  // cancels the backoff timer
  EXPECT_FALSE(f.platform.timer.has_value());
  f.platform.clock += Millis{60000};
  f.driver->timer_fired();  // a completion already on its way
  EXPECT_EQ(f.platform.opens(), 1);
  EXPECT_EQ(f.driver->status(), disconnected(DisconnectReason::user));
}

TEST(ClientDriver, AnEarlyTimerIsHarmless) {
  Fixture f;
  f.driver->connect();
  f.driver->transport_closed(f.platform.last().id, "refused");
  const TimePoint deadline = *f.platform.timer;
  f.platform.clock = deadline - Millis{10};
  f.driver->timer_fired();
  EXPECT_EQ(f.platform.opens(), 1);
  ASSERT_TRUE(f.platform.timer.has_value());  // armed again for the same deadline
  EXPECT_EQ(*f.platform.timer, deadline);
  f.platform.advance(*f.driver, Millis{10});
  EXPECT_EQ(f.platform.opens(), 2);
}

// The battery rule: offline or in the background, no timer and no attempt.
void expect_idle_for_an_hour(Fixture& f) {
  EXPECT_FALSE(f.platform.timer.has_value());
  const int opens = f.platform.opens();
  const int arms = f.platform.arms;
  f.platform.advance(*f.driver, Millis{3600 * 1000});
  EXPECT_EQ(f.platform.opens(), opens);
  EXPECT_EQ(f.platform.arms, arms);
  EXPECT_FALSE(f.platform.timer.has_value());
}

TEST(ClientDriverBattery, OfflineClosesTheTransportAndArmsNothing) {
  Fixture f;
  f.connect_fully();
  auto& t = f.platform.transports[0];
  f.driver->set_online(false);
  EXPECT_TRUE(t.ended());
  for (auto& frame : t.sent) EXPECT_NE(frame, "41");  // no DISCONNECT: the server may keep the session
  EXPECT_EQ(f.driver->status(), disconnected(DisconnectReason::offline));
  expect_idle_for_an_hour(f);
  // Emits wait in the queue, and nothing is opened for them.
  f.driver->emit("scan:create", R"([{"code":"q"}])");
  EXPECT_EQ(f.driver->queued_count(), 1u);
  expect_idle_for_an_hour(f);

  f.driver->set_online(true);
  ASSERT_EQ(f.platform.opens(), 2);
  f.complete();
  EXPECT_EQ(f.platform.last().sent.back(), R"(42["scan:create",{"code":"q"}])");
  EXPECT_EQ(f.driver->queued_count(), 0u);
}

TEST(ClientDriverBattery, OfflineWhileBackingOffCancelsTheRetry) {
  Fixture f;
  f.driver->connect();
  f.driver->transport_closed(f.platform.last().id, "refused");
  ASSERT_TRUE(f.platform.timer.has_value());
  f.driver->set_online(false);
  expect_idle_for_an_hour(f);
  f.driver->set_online(true);
  EXPECT_EQ(f.platform.opens(), 2);  // at once, not after the backoff delay
  EXPECT_EQ(f.driver->status(), connecting());
}

TEST(ClientDriverBattery, BackgroundClosesAndForegroundReconnectsAtOnce) {
  Fixture f;
  f.connect_fully();
  f.driver->set_foreground(false);
  EXPECT_TRUE(f.platform.transports[0].ended());
  EXPECT_EQ(f.driver->status(), disconnected(DisconnectReason::background));
  expect_idle_for_an_hour(f);
  f.driver->set_online(false);
  f.driver->set_online(true);  // online but still in the background: nothing
  expect_idle_for_an_hour(f);
  f.driver->set_foreground(true);
  EXPECT_EQ(f.platform.opens(), 2);
}

TEST(ClientDriverBattery, ConnectWhileOfflineOpensNothing) {
  Fixture f;
  f.driver->set_online(false);
  f.driver->connect();
  EXPECT_EQ(f.platform.opens(), 0);
  EXPECT_EQ(f.driver->status(), disconnected(DisconnectReason::offline));
  expect_idle_for_an_hour(f);
  f.driver->set_online(true);
  EXPECT_EQ(f.platform.opens(), 1);
}

TEST(ClientDriverReentrancy, EmitFromAHandlerIsSentAfterTheHandlerReturns) {
  Fixture f;
  f.connect_fully();
  auto& t = f.platform.transports[0];
  std::size_t sent_inside = 0;
  f.driver->on("scan:created", [&](const Event&) {
    f.driver->emit("got", "[]");
    sent_inside = t.sent.size();  // no second pump ran inside the handler
  });
  const std::size_t before = t.sent.size();
  f.driver->transport_text(t.id, R"(42["scan:created",{"id":"1"}])");
  EXPECT_EQ(sent_inside, before);
  EXPECT_EQ(t.sent.back(), R"(42["got"])");
}

TEST(ClientDriverReentrancy, DisconnectFromAHandler) {
  Fixture f;
  f.connect_fully();
  auto& t = f.platform.transports[0];
  bool alive_inside = false;
  f.driver->on("scan:created", [&](const Event&) {
    f.driver->disconnect();
    alive_inside = !t.destroyed;
  });
  f.driver->transport_text(t.id, R"(42["scan:created",{"id":"1"}])");
  EXPECT_TRUE(alive_inside);  // released only when the outer call returned
  EXPECT_EQ(t.sent.back(), "41");
  EXPECT_TRUE(t.closed);
  EXPECT_TRUE(t.destroyed);
  EXPECT_EQ(f.driver->status(), disconnected(DisconnectReason::user));
  EXPECT_FALSE(f.platform.timer.has_value());
  expect_idle_for_an_hour(f);
}

TEST(ClientDriverReentrancy, ATransportThatFailsInsideOpenTransport) {
  Fixture f;
  f.platform.on_open = [&](TransportRecord& r) { f.driver->transport_closed(r.id, "no route to host"); };
  f.driver->connect();
  EXPECT_EQ(f.platform.opens(), 1);
  EXPECT_TRUE(f.platform.transports[0].destroyed);
  EXPECT_EQ(f.driver->status(), reconnecting(1, Millis{1000}));
  EXPECT_EQ(f.driver->last_transport_error(), "no route to host");
  ASSERT_TRUE(f.platform.timer.has_value());
  EXPECT_EQ(*f.platform.timer, f.platform.clock + Millis{1000});
}

TEST(ClientDriverReentrancy, NoTransportFromThePlatformCountsAsClosed) {
  Fixture f;
  f.platform.return_null = true;
  f.driver->connect();
  EXPECT_EQ(f.driver->status(), reconnecting(1, Millis{1000}));
  EXPECT_FALSE(f.driver->last_transport_error().empty());
  f.platform.return_null = false;
  f.platform.advance(*f.driver, Millis{1000});
  EXPECT_EQ(f.platform.opens(), 2);
  f.complete();
  EXPECT_EQ(f.driver->status(), connected());
}

TEST(ClientDriverLifetime, DestroyedFromAnEventHandler) {
  Fixture f;
  f.connect_fully();
  auto& t = f.platform.transports[0];
  int later = 0;
  f.driver->on("scan:created", [&](const Event&) { f.driver.reset(); });
  f.driver->on("scan:created", [&](const Event&) { ++later; });
  f.driver->transport_text(t.id, R"(42["scan:created",{"id":"1"}])");
  EXPECT_EQ(f.driver, nullptr);
  EXPECT_EQ(later, 0);
  EXPECT_TRUE(t.aborted);
  EXPECT_TRUE(t.destroyed);
  EXPECT_FALSE(f.platform.timer.has_value());
}

TEST(ClientDriverLifetime, DestroyedFromAStatusHandlerDuringAPump) {
  Fixture f;
  f.driver->connect();
  auto& t = f.platform.transports[0];
  std::vector<RecordedAck> acks;
  f.driver->emit("queued", "[]", [&](std::error_code ec, const auto&) { acks.push_back({ec, {}}); });
  f.driver->on_status([&](const StatusInfo& s) {
    if (s.status == Status::reconnecting) f.driver.reset();
  });
  f.driver->transport_closed(t.id, "eof");
  EXPECT_EQ(f.driver, nullptr);
  EXPECT_TRUE(acks.empty());  // no callback after the destructor
  EXPECT_FALSE(f.platform.timer.has_value());
}

TEST(ClientDriverLifetime, DestroyedFromATransportErrorHandler) {
  Fixture f;
  f.driver->connect();
  auto& t = f.platform.transports[0];
  f.driver->on_transport_error([&](std::string_view) { f.driver.reset(); });
  f.driver->transport_closed(t.id, "eof");
  EXPECT_EQ(f.driver, nullptr);
  EXPECT_FALSE(f.platform.timer.has_value());
  EXPECT_EQ(f.platform.opens(), 1);
}

TEST(ClientDriverLifetime, DestructorAbortsAndCancels) {
  Fixture f;
  f.connect_fully();
  auto& t = f.platform.transports[0];
  f.driver.reset();
  EXPECT_TRUE(t.aborted);
  EXPECT_TRUE(t.destroyed);
  EXPECT_FALSE(f.platform.timer.has_value());
}

TEST(ClientDriverObservers, TransportErrorHandlersAndOff) {
  Fixture f;
  std::vector<std::string> whys;
  const SubscriptionId id = f.driver->on_transport_error([&](std::string_view why) { whys.emplace_back(why); });
  f.driver->connect();
  f.driver->transport_closed(f.platform.last().id, "tls handshake: certificate verify failed");
  EXPECT_EQ(whys, (std::vector<std::string>{"tls handshake: certificate verify failed"}));
  f.driver->off(id);
  f.platform.advance(*f.driver, Millis{1000});
  f.driver->transport_closed(f.platform.last().id, "refused");
  EXPECT_EQ(whys.size(), 1u);
  EXPECT_EQ(f.driver->last_transport_error(), "refused");
}

TEST(ClientDriverObservers, OffStopsEventAndStatusHandlers) {
  Fixture f;
  int events = 0;
  int statuses = 0;
  const SubscriptionId e = f.driver->on("connect", [&](const Event&) { ++events; });
  const SubscriptionId s = f.driver->on_status([&](const StatusInfo&) { ++statuses; });
  EXPECT_NE(e, s);
  f.driver->off(e);
  f.driver->off(s);
  f.connect_fully();
  EXPECT_EQ(events, 0);
  EXPECT_EQ(statuses, 0);
  EXPECT_EQ(f.driver->status(), connected());
}

}  // namespace
}  // namespace scansync::client::testing
