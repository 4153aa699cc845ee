// NativeClient without a server: creation errors, failures to connect,
// subscriptions and destruction. The interop tests cover live servers.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <type_traits>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "net/fake_app_transport.h"
#include "scansync/client/native_client.h"

namespace scansync::client {
namespace {

using namespace std::chrono_literals;

// A loopback port with nothing listening (bound, then released).
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

NativeClientOptions options_for(std::string url) {
  NativeClientOptions o;
  o.url = std::move(url);
  o.tokens = [] { return std::string("t"); };
  o.core.backoff.initial = 20ms;
  o.core.backoff.max = 40ms;
  o.core.backoff.max_attempts = 3;
  return o;
}

// Status changes seen by one subscription, waited on with a deadline.
struct Seen {
  std::mutex m;
  std::condition_variable cv;
  std::vector<StatusInfo> statuses;
  std::vector<std::string> errors;
  void add(const StatusInfo& s) {
    std::lock_guard l(m);
    statuses.push_back(s);
    cv.notify_all();
  }
  bool wait_for_reason(DisconnectReason r) {
    std::unique_lock l(m);
    return cv.wait_for(l, 15s, [&] {
      return !statuses.empty() && statuses.back().status == Status::disconnected && statuses.back().reason == r;
    });
  }
};

// Returns once everything asked of `client` before has run on its strand:
// an emit with bad arguments is answered there, after those inputs.
bool barrier(NativeClient& client) {
  auto done = std::make_shared<std::promise<void>>();
  auto answered = done->get_future();
  client.emit("barrier", "not json", [done](std::error_code, const auto&) { done->set_value(); });
  return answered.wait_for(10s) == std::future_status::ready;
}

TEST(NativeClient, BadUrlIsAnErrorValue) {
  for (const char* url : {"", "127.0.0.1:3000", "gopher://h", "ws://h:99999", "ws://u@h"}) {
    auto made = NativeClient::create(options_for(url));
    ASSERT_FALSE(made.ok()) << url;
    EXPECT_EQ(made.error(), make_error_code(native_errc::bad_url)) << url;
  }
}

TEST(NativeClient, MissingCaFileIsAnErrorValueForWssOnly) {
  auto wss = options_for("wss://127.0.0.1:1");
  wss.tls.ca_file = "/nonexistent/ca.pem";
  auto made = NativeClient::create(std::move(wss));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error(), make_error_code(native_errc::bad_ca_file));
  // A plain ws:// URL never loads it.
  auto ws = options_for("ws://127.0.0.1:1");
  ws.tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_TRUE(NativeClient::create(std::move(ws)).ok());
}

TEST(NativeClient, StartsDisconnected) {
  auto made = NativeClient::create(options_for("ws://127.0.0.1:1"));
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->status().status, Status::disconnected);
  EXPECT_EQ((*made)->queued_count(), 0u);
  EXPECT_EQ((*made)->last_transport_error(), "");
}

TEST(NativeClient, RefusedConnectionsBackOffThenGiveUp) {
  Seen seen;
  auto made = NativeClient::create(options_for("ws://127.0.0.1:" + std::to_string(closed_port())));
  ASSERT_TRUE(made.ok());
  auto& client = *made;
  client->on_status([&](const StatusInfo& s) { seen.add(s); });
  client->on_transport_error([&](std::string_view why) {
    std::lock_guard l(seen.m);
    seen.errors.emplace_back(why);
  });
  client->connect();
  ASSERT_TRUE(seen.wait_for_reason(DisconnectReason::gave_up));
  std::lock_guard l(seen.m);
  // connecting, reconnecting 1, 2, 3, then gave_up after the third failure
  std::vector<int> attempts;
  for (const auto& s : seen.statuses) {
    if (s.status == Status::reconnecting) attempts.push_back(s.attempt);
  }
  EXPECT_EQ(attempts, (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(seen.errors.size(), 4u);
  EXPECT_NE(seen.errors[0].find("connect: "), std::string::npos) << seen.errors[0];
  EXPECT_EQ(client->last_transport_error(), seen.errors.back());
}

TEST(NativeClient, OffStopsDeliveryInCallOrder) {
  Seen kept, removed;
  auto made = NativeClient::create(options_for("ws://127.0.0.1:" + std::to_string(closed_port())));
  ASSERT_TRUE(made.ok());
  auto& client = *made;
  const auto id = client->on_status([&](const StatusInfo& s) { removed.add(s); });
  client->on_status([&](const StatusInfo& s) { kept.add(s); });
  client->off(id);  // ordered before connect(): the removed handler never runs
  client->connect();
  ASSERT_TRUE(kept.wait_for_reason(DisconnectReason::gave_up));
  std::lock_guard l(removed.m);
  EXPECT_TRUE(removed.statuses.empty());
}

TEST(NativeClient, DestroyWhileReconnectingStopsCallbacks) {
  Seen seen;
  std::atomic<int> after{0};
  std::atomic<bool> destroyed{false};
  {
    auto options = options_for("ws://127.0.0.1:" + std::to_string(closed_port()));
    options.core.backoff.max_attempts = 1000;
    auto made = NativeClient::create(std::move(options));
    ASSERT_TRUE(made.ok());
    auto& client = *made;
    client->on_status([&](const StatusInfo& s) {
      if (destroyed) ++after;
      seen.add(s);
    });
    client->connect();
    std::unique_lock l(seen.m);
    ASSERT_TRUE(seen.cv.wait_for(l, 15s, [&] { return seen.statuses.size() >= 3; }));
  }
  destroyed = true;  // the destructor has joined the client's thread
  EXPECT_EQ(after.load(), 0);
}

TEST(NativeClient, CallsAfterDisconnectAreHarmless) {
  auto made = NativeClient::create(options_for("ws://127.0.0.1:1"));
  ASSERT_TRUE(made.ok());
  auto& client = *made;
  client->disconnect();
  client->emit("x", "[]");
  client->set_online(false);
  client->set_foreground(false);
  client->off(12345);
  SUCCEED();
}

// The app brings its own WebSocket: the client opens it with the full
// Engine.IO URL, talks Socket.IO over it, and keeps the battery rule.
TEST(NativeClient, AnAppsOwnTransport) {
  net::testing::FakeAppTransports app;
  auto options = options_for("ws://127.0.0.1:4321/sio/?app=1");
  options.transport = app.opener();
  Seen seen;
  auto made = NativeClient::create(std::move(options));
  ASSERT_TRUE(made.ok());
  auto& client = *made;
  client->on_status([&](const StatusInfo& s) { seen.add(s); });
  client->connect();
  ASSERT_TRUE(app.wait([](const auto& o) { return o.size() == 1; }));
  EXPECT_EQ(app.get(0).url, "ws://127.0.0.1:4321/sio/?EIO=4&transport=websocket&app=1");
  auto events = app.get(0).events;
  events->opened();
  events->text(R"(0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  ASSERT_TRUE(app.wait_sent(0, "40"));
  EXPECT_EQ(app.get(0).sent.at(0), R"(40{"token":"t"})");
  events->text(R"(40{"sid":"s"})");
  {
    std::unique_lock l(seen.m);
    ASSERT_TRUE(seen.cv.wait_for(l, 10s, [&] {
      return !seen.statuses.empty() && seen.statuses.back().status == Status::connected;
    }));
  }
  ASSERT_TRUE(barrier(*client));
  EXPECT_TRUE(client->timer_deadline().has_value());  // the heartbeat watchdog

  client->set_online(false);
  ASSERT_TRUE(barrier(*client));
  EXPECT_EQ(client->status().reason, DisconnectReason::offline);
  EXPECT_TRUE(app.get(0).closed || app.get(0).aborted);
  EXPECT_FALSE(client->timer_deadline().has_value());
  // Late reports of the dropped transport change nothing.
  events->closed("late");
  events->text(R"(42["scan:created",{}])");
  client->set_online(true);
  ASSERT_TRUE(app.wait([](const auto& o) { return o.size() == 2; }));
  EXPECT_EQ(client->last_transport_error(), "");
}

TEST(NativeClient, AnAppsTransportThatFailsBacksOff) {
  net::testing::FakeAppTransports app;
  auto options = options_for("wss://[::1]/");
  options.transport = app.opener();
  Seen seen;
  auto made = NativeClient::create(std::move(options));
  ASSERT_TRUE(made.ok());
  auto& client = *made;
  client->on_status([&](const StatusInfo& s) { seen.add(s); });
  client->connect();
  ASSERT_TRUE(app.wait([](const auto& o) { return o.size() == 1; }));
  EXPECT_EQ(app.get(0).url, "wss://[::1]:443/socket.io/?EIO=4&transport=websocket");
  app.get(0).events->closed("unreachable");
  ASSERT_TRUE(app.wait([](const auto& o) { return o.size() == 2; }));  // after the 20 ms backoff
  EXPECT_EQ(client->last_transport_error(), "unreachable");
}

// Regression: src/net once set BOOST_ASIO_NO_DEPRECATED (PUBLIC) while the
// gateway did not, so `scansync` held two incompatible definitions of
// basic_socket::close(ec) under one mangled name and `scansync watch` crashed
// in a Debug build. This TU sees the definitions scansync_net exports; they
// must be Asio's defaults, as everywhere else in the project.
TEST(NativeClient, ExportsAsiosDefaultConfiguration) {
  using CloseResult = decltype(std::declval<boost::asio::ip::tcp::socket&>().close(
      std::declval<boost::system::error_code&>()));
  EXPECT_TRUE((std::is_same_v<CloseResult, boost::system::error_code>));
}

}  // namespace
}  // namespace scansync::client
