// DeviceClient over the app's own WebSocket (a fake TransportOpener; the
// test plays the gateway): the battery rule at the device level. While
// offline or in the background no timer is armed and no connection is
// attempted; online and in the foreground again it connects at once and
// sends the outbox.
#include "scansync/device/device_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include "net/fake_app_transport.h"

namespace scansync::device {
namespace {

using namespace std::chrono_literals;
using net::testing::FakeAppTransports;
using Opened = FakeAppTransports::Opened;

struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "device_client_test.XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

// Waits until the sync state satisfies `pred`, with a deadline.
bool wait_sync(DeviceClient& c, const std::function<bool(const SyncState&)>& pred) {
  std::mutex m;
  std::condition_variable cv;
  const auto id = c.sync().subscribe([&](const SyncState&) {
    std::lock_guard l(m);
    cv.notify_all();
  });
  std::unique_lock l(m);
  const bool ok = cv.wait_for(l, 10s, [&] { return pred(c.sync().snapshot()); });
  l.unlock();
  c.sync().unsubscribe(id);
  return ok;
}

bool ended(const Opened& o) { return o.closed || o.aborted; }

class DeviceClientBattery : public ::testing::Test {
 protected:
  void SetUp() override {
    DeviceClientOptions o;
    o.url = "ws://gateway.invalid:3000";
    o.tokens = [] { return std::string("tok"); };
    o.db_file = dir.path / "device.db";
    o.user = "alice";
    // A retry would come after an hour: an attempt seen within the test's
    // deadlines is an immediate one.
    o.core.backoff.initial = std::chrono::hours(1);
    o.core.backoff.max = std::chrono::hours(1);
    o.transport = app.opener();
    auto opened = DeviceClient::open(std::move(o));
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    client = std::move(*opened);
  }

  // Plays the gateway on transport i up to the room:join ack.
  void serve(std::size_t i) {
    ASSERT_TRUE(app.wait([i](const auto& o) { return o.size() > i; }));
    auto events = app.get(i).events;
    events->opened();
    events->text(R"(0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
    ASSERT_TRUE(app.wait_sent(i, "40"));
    events->text(R"(40{"sid":"s"})");
    ASSERT_TRUE(app.wait([i](const auto& o) {
      for (const auto& f : o[i].sent) {
        if (f.find("\"room:join\"") != std::string::npos) return true;
      }
      return false;
    }));
    events->text("43" + ack_id(i, "room:join") + R"([{"ok":true,"room":"user:alice"}])");
    ASSERT_TRUE(wait_sync(*client, [](const SyncState& s) { return s.status == client::Status::connected; }));
  }

  // The ack id of the last frame sent on transport i naming `event`.
  std::string ack_id(std::size_t i, std::string_view event) {
    const auto sent = app.get(i).sent;
    for (auto it = sent.rbegin(); it != sent.rend(); ++it) {
      if (it->rfind("42", 0) == 0 && it->find("\"" + std::string(event) + "\"") != std::string::npos) {
        return it->substr(2, it->find('[') - 2);
      }
    }
    ADD_FAILURE() << "no " << event << " sent";
    return "";
  }

  bool sent_scan_create(std::size_t i, std::string_view code) {
    return app.wait([i, code](const auto& o) {
      if (o.size() <= i) return false;
      for (const auto& f : o[i].sent) {
        if (f.find("\"scan:create\"") != std::string::npos && f.find(code) != std::string::npos) return true;
      }
      return false;
    });
  }

  std::optional<client::TimePoint> wakeup() {
    auto w = client->next_wakeup();
    EXPECT_TRUE(w.ok());
    return w.ok() ? *w : std::nullopt;
  }

  TempDir dir;
  FakeAppTransports app;  // outlives the client
  std::unique_ptr<DeviceClient> client;
};

TEST_F(DeviceClientBattery, OfflineArmsNothingAndOnlineFlushesTheOutboxAtOnce) {
  serve(0);
  EXPECT_EQ(app.get(0).url, "ws://gateway.invalid:3000/socket.io/?EIO=4&transport=websocket");
  EXPECT_TRUE(wakeup().has_value());  // the heartbeat watchdog

  client->set_online(false);
  ASSERT_TRUE(app.wait([](const auto& o) { return ended(o[0]); }));
  // Everything the close caused ran before the executor answers this.
  EXPECT_EQ(wakeup(), std::nullopt);
  auto made = client->scan("made-offline");
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(client->sync().snapshot().pending, 1u);
  EXPECT_EQ(wakeup(), std::nullopt);
  EXPECT_EQ(app.opens(), 1u);
  EXPECT_EQ(client->sync().snapshot().reason, client::DisconnectReason::offline);

  client->set_online(true);
  serve(1);  // at once: a backoff wait would be an hour
  ASSERT_TRUE(sent_scan_create(1, "made-offline"));
  EXPECT_EQ(app.opens(), 2u);
}

TEST_F(DeviceClientBattery, BackgroundArmsNothingAndForegroundReconnectsAtOnce) {
  serve(0);
  client->set_foreground(false);  // nothing to send: goes at once
  ASSERT_TRUE(app.wait([](const auto& o) { return ended(o[0]); }));
  EXPECT_EQ(wakeup(), std::nullopt);
  using client::DisconnectReason;
  client->set_online(false);
  ASSERT_TRUE(wait_sync(*client, [](const SyncState& s) { return s.reason == DisconnectReason::offline; }));
  client->set_online(true);  // online again, still in the background
  ASSERT_TRUE(wait_sync(*client, [](const SyncState& s) { return s.reason == DisconnectReason::background; }));
  ASSERT_TRUE(client->scan("made-in-background").ok());
  EXPECT_EQ(wakeup(), std::nullopt);
  EXPECT_EQ(app.opens(), 1u);

  client->set_foreground(true);
  serve(1);
  ASSERT_TRUE(sent_scan_create(1, "made-in-background"));
}

// An outbox item the server failed pauses the outbox; the pause must not
// keep a timer armed once the connection is gone.
TEST_F(DeviceClientBattery, AnOutboxPauseArmsNoTimerWhileOffline) {
  serve(0);
  ASSERT_TRUE(client->scan("refused-once").ok());
  ASSERT_TRUE(sent_scan_create(0, "refused-once"));
  app.get(0).events->text("43" + ack_id(0, "scan:create") + R"([{"ok":false,"error":"internal"}])");
  ASSERT_TRUE(wait_sync(*client, [](const SyncState& s) { return s.last_error_code == "internal"; }));

  client->set_online(false);
  ASSERT_TRUE(app.wait([](const auto& o) { return ended(o[0]); }));
  ASSERT_TRUE(client->scan("made-offline").ok());  // the outbox changed while paused
  EXPECT_EQ(wakeup(), std::nullopt);
  EXPECT_EQ(app.opens(), 1u);

  client->set_online(true);
  serve(1);
  ASSERT_TRUE(sent_scan_create(1, "made-offline"));
}

// A refused item pauses the outbox while connected; the pause's timer sends it
// again with no other input (no local scan, no reconnect).
TEST_F(DeviceClientBattery, ARefusedItemIsSentAgainWhenThePauseEnds) {
  serve(0);
  ASSERT_TRUE(client->scan("refused-then-taken").ok());
  ASSERT_TRUE(sent_scan_create(0, "refused-then-taken"));
  const auto refused_at = client::Clock::now();
  app.get(0).events->text("43" + ack_id(0, "scan:create") + R"([{"ok":false,"error":"unavailable"}])");
  ASSERT_TRUE(wait_sync(*client, [](const SyncState& s) { return s.last_error_code == "unavailable"; }));
  // The earliest wakeup is the pause's end (1 s), not the heartbeat's.
  const auto due = wakeup();
  ASSERT_TRUE(due.has_value());
  EXPECT_LE(*due, refused_at + std::chrono::seconds(2));
  auto creates = [](const Opened& o) {
    int n = 0;
    for (const auto& f : o.sent) n += f.find("refused-then-taken") != std::string::npos;
    return n;
  };
  ASSERT_TRUE(app.wait([&](const auto& o) { return creates(o[0]) == 2; }));
  EXPECT_EQ(app.opens(), 1u);
}

}  // namespace
}  // namespace scansync::device
