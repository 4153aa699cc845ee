// NativeClient against the official socket.io 4.8.1 server: authentication,
// room, events, reconnection with the outbound queue, refusals, limits,
// threading and lifetime.
#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "harness/interop_support.h"

namespace scansync::interop {
namespace {

using client::DisconnectReason;
using client::Status;
using nlohmann::json;

bool joined_as(const json& line, const std::string& user) {
  return evt_is(line, "join") && line.value("user", "") == user;
}

TEST(NativeClientInterop, JwtInAuthObjectConnectsAndJoinsTheUsersRoom) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})), probe, {"connect"});
  ASSERT_TRUE(client);

  ASSERT_TRUE(probe.wait_status(Status::connected, in(kWait)));
  auto connection = server.wait_for_evt("connection", in(kWait));
  ASSERT_TRUE(connection);
  EXPECT_EQ((*connection)["user"], "alice");
  EXPECT_EQ((*connection)["via"], "auth");
  auto join = server.wait_for_evt("join", in(kWait));
  ASSERT_TRUE(join);
  EXPECT_EQ((*join)["room"], "user:alice");
  EXPECT_TRUE(probe.wait_events("connect", 1, in(kWait)));
  EXPECT_EQ(client->status().status, Status::connected);
  EXPECT_FALSE(client->recovered());
}

TEST(NativeClientInterop, QueryOnlyServerIsReachedThroughTheQueryFallback) {
  auto server = start_server({.query_only = true});
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})), probe, {"error"});
  ASSERT_TRUE(client);

  ASSERT_TRUE(probe.wait_status(Status::connected, in(kWait)));
  auto refused = server.wait_for_evt("auth_error", in(kWait));
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["code"], "token_missing");
  auto connection = server.wait_for_evt("connection", in(kWait));
  ASSERT_TRUE(connection);
  EXPECT_EQ((*connection)["via"], "query");
  ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));
  auto stats = server.stats(in(kWait));
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["handshakes"], 2);  // auth object refused, then the query
  EXPECT_TRUE(probe.events_named("error").empty()) << "the fallback is silent";
}

TEST(NativeClientInterop, ScanEventsOfTheUsersRoomReachTheHandler) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})),
                             probe, {"scan:created", "scan:deleted"});
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));

  // Bob's event goes first: were it delivered to alice it would arrive before hers.
  ASSERT_TRUE(server.emit_to("bob", "scan:created", scan("b0b", 1, "bob"), in(kWait)));
  const json created = scan("0a1b2c3d-0000-4000-8000-000000000001", 1);
  ASSERT_TRUE(server.emit_to("alice", "scan:created", created, in(kWait)));
  const json deleted = {{"id", created["id"]}, {"userId", "alice"}, {"seq", 2}, {"deletedAt", "2025-01-02T03:05:00.000Z"}};
  ASSERT_TRUE(server.emit_to("alice", "scan:deleted", deleted, in(kWait)));

  ASSERT_TRUE(probe.wait_events("scan:deleted", 1, in(kWait)));
  const auto got = probe.events_named("scan:created");
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].args.size(), 1u);
  EXPECT_EQ(json::parse(got[0].args[0]), created);
  EXPECT_EQ(json::parse(probe.events_named("scan:deleted")[0].args[0]), deleted);
}

TEST(NativeClientInterop, EmitWithAckRoundTripsThroughTheServer) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})), probe, {"scan:created"});
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));

  std::promise<std::pair<std::error_code, std::string>> acked;
  client->emit("scan:create",
               R"([{"id":"0a1b2c3d-0000-4000-8000-0000000000aa","code":"hello","format":"qr","deviceId":"d1","createdAt":"2025-01-02T03:04:05.678Z"}])",
               [&](std::error_code ec, const std::vector<std::string_view>& args) {
                 acked.set_value({ec, args.empty() ? "" : std::string(args[0])});
               });
  auto future = acked.get_future();
  ASSERT_EQ(future.wait_until(in(kWait)), std::future_status::ready);
  const auto [ec, reply] = future.get();
  ASSERT_FALSE(ec) << ec.message();
  const json answer = json::parse(reply);
  EXPECT_EQ(answer["ok"], true);
  EXPECT_EQ(answer["scan"]["seq"], 1);
  EXPECT_EQ(answer["scan"]["userId"], "alice");
  // The broadcast reaches the originating socket too.
  ASSERT_TRUE(probe.wait_events("scan:created", 1, in(kWait)));
}

TEST(NativeClientInterop, ServerRestartOnTheSamePortReconnectsAndFlushesTheQueueInOrder) {
  auto server = start_server();
  const auto port = server.port();
  ClientProbe probe;
  auto options = client_options(server.http_url(), mint_jwt({.sub = "alice"}));
  options.core.backoff.max_attempts = 40;  // the new server may take a while to start on a loaded machine
  auto client = start_client(std::move(options), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));

  server.kill();
  ASSERT_TRUE(probe.wait_status(Status::reconnecting, in(kWait)));

  // Queued while the server is down; they must come out in order after room:join.
  std::atomic<int> acks_ok{0};
  const std::vector<std::string> ids = {"00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b",
                                        "00000000-0000-4000-8000-00000000000c"};
  for (const auto& id : ids) {
    const json payload = json::array(
        {{{"id", id}, {"code", "c-" + id}, {"format", "qr"}, {"deviceId", "d1"}, {"createdAt", "2025-01-02T03:04:05.678Z"}}});
    client->emit("scan:create", payload.dump(), [&](std::error_code ec, const std::vector<std::string_view>& args) {
      if (!ec && !args.empty() && json::parse(args[0]).value("ok", false)) ++acks_ok;
      probe.record([](ProbeRecord&) {});
    });
  }

  auto restarted = start_server({.port = port});
  ASSERT_TRUE(probe.wait([](const ProbeRecord& r) {
    return std::count_if(r.statuses.begin(), r.statuses.end(),
                         [](const client::StatusInfo& s) { return s.status == Status::connected; }) == 2;
  }, in(kWait)));
  ASSERT_TRUE(probe.wait([&](const ProbeRecord&) { return acks_ok == 3; }, in(kWait)));

  ASSERT_TRUE(restarted.wait_for([n = 0](const json& l) mutable { return evt_is(l, "received") && ++n == 4; },
                                 in(kWait)));
  std::vector<std::string> received;
  for (const auto& line : restarted.lines()) {
    if (evt_is(line, "received")) received.push_back(line["event"].get<std::string>() + " " + line["data"].value("id", ""));
  }
  ASSERT_EQ(received.size(), 4u);
  EXPECT_EQ(received[0], "room:join ");
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(received[i + 1], "scan:create " + ids[i]);

  // The reconnect schedule doubles from 50 ms: attempt n waits min(50 ms * 2^(n-1), 1 s).
  const auto record = probe.snapshot();
  int attempt = 0;
  for (const auto& s : record.statuses) {
    if (s.status != Status::reconnecting) continue;
    ++attempt;
    EXPECT_EQ(s.attempt, attempt);
    EXPECT_EQ(s.next_delay, std::min<client::Millis>(50ms * (1 << std::min(attempt - 1, 10)), 1000ms));
  }
  EXPECT_GE(attempt, 1);
}

TEST(NativeClientInterop, WrongTokenIsRefusedWithExactlyOneAttempt) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"}, "not-the-secret")),
                             probe, {"error"});
  ASSERT_TRUE(client);

  ASSERT_TRUE(probe.wait_status(Status::disconnected, in(kWait)));
  EXPECT_EQ(client->status().reason, DisconnectReason::unauthorized);
  ASSERT_TRUE(probe.wait_events("error", 1, in(kWait)));
  EXPECT_EQ(json::parse(probe.events_named("error")[0].args.at(0))["code"], "token_invalid");
  auto stats = server.stats(in(kWait));
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["handshakes"], 1);
  EXPECT_EQ((*stats)["authFailures"], 1);
  EXPECT_EQ((*stats)["connections"], 0);
  EXPECT_EQ(probe.count_status(Status::reconnecting), 0u);
}

TEST(NativeClientInterop, ExpiredTokenIsRefreshedOnceAndConnects) {
  auto server = start_server();
  ClientProbe probe;
  auto options = client_options(server.http_url(), "");
  std::atomic<int> asked{0};
  options.tokens = [&asked] {
    return ++asked == 1 ? mint_jwt({.sub = "alice", .ttl = std::chrono::seconds(-60)}) : mint_jwt({.sub = "alice"});
  };
  auto client = start_client(std::move(options), probe);
  ASSERT_TRUE(client);

  ASSERT_TRUE(probe.wait_status(Status::connected, in(kWait)));
  auto refused = server.wait_for_evt("auth_error", in(kWait));
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["code"], "token_expired");
  EXPECT_EQ(asked.load(), 2);
  EXPECT_EQ(probe.count_status(Status::reconnecting), 0u) << "retried at once, not through the backoff";
}

TEST(NativeClientInterop, MessageOverMaxPayloadDropsTheTransportAndReconnects) {
  auto server = start_server();
  ClientProbe probe;
  auto options = client_options(server.http_url(), mint_jwt({.sub = "alice"}));
  options.max_payload = 4096;
  auto client = start_client(std::move(options), probe, {"scan:created"});
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));

  json big = scan("00000000-0000-4000-8000-0000000000ff", 1);
  big["code"] = std::string(8000, 'x');
  ASSERT_TRUE(server.emit_to("alice", "scan:created", big, in(kWait)));
  ASSERT_TRUE(probe.wait([](const ProbeRecord& r) { return !r.transport_errors.empty(); }, in(kWait)));
  EXPECT_NE(probe.snapshot().transport_errors[0].find("exceeded the locally configured limit"), std::string::npos)
      << probe.snapshot().transport_errors[0];
  // Back again, and small events still flow.
  ASSERT_TRUE(server.wait_for([n = 0](const json& l) mutable { return joined_as(l, "alice") && ++n == 2; }, in(kWait)));
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000001", 2), in(kWait)));
  ASSERT_TRUE(probe.wait_events("scan:created", 1, in(kWait)));
  EXPECT_EQ(probe.events_named("scan:created").size(), 1u);
}

TEST(NativeClientInterop, UserDisconnectClosesTheSessionOnTheServer) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));

  client->disconnect();
  ASSERT_TRUE(probe.wait_status(Status::disconnected, in(kWait)));
  EXPECT_EQ(client->status().reason, DisconnectReason::user);
  auto gone = server.wait_for_evt("disconnect", in(kWait));
  ASSERT_TRUE(gone);
  EXPECT_EQ((*gone)["reason"], "client namespace disconnect");
}

TEST(NativeClientInterop, DestroyingTheClientClosesTheConnection) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));

  const auto before = probe.snapshot().statuses.size();
  client.reset();
  ASSERT_TRUE(server.wait_for_evt("disconnect", in(kWait)));
  EXPECT_EQ(probe.snapshot().statuses.size(), before) << "no callback after the destructor returned";
}

TEST(NativeClientInterop, ClientMayBeDestroyedFromItsOwnCallback) {
  auto server = start_server();
  ClientProbe probe;
  std::unique_ptr<client::NativeClient> client = make_client(client_options(server.http_url(), mint_jwt({})));
  ASSERT_TRUE(client);
  auto* raw = client.get();
  std::atomic<bool> destroyed{false};
  raw->on_status([&](const client::StatusInfo& s) {
    if (s.status != Status::connected) return;
    client.reset();  // the test thread no longer touches `client` after connect()
    destroyed = true;
    probe.record([](ProbeRecord&) {});
  });
  raw->connect();
  ASSERT_TRUE(probe.wait([&](const ProbeRecord&) { return destroyed.load(); }, in(kWait)));
  ASSERT_TRUE(server.wait_for_evt("disconnect", in(kWait)));
}

TEST(NativeClientInterop, RunsOnACallerProvidedIoContext) {
  auto server = start_server();
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  {
    ClientProbe probe;
    auto made = client::NativeClient::create(io, client_options(server.http_url(), mint_jwt({})));
    ASSERT_TRUE(made.ok());
    auto& client = *made;
    probe.attach(*client, {"scan:created"});
    client->connect();
    ASSERT_TRUE(server.wait_for([](const json& l) { return joined_as(l, "alice"); }, in(kWait)));
    ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000001", 1), in(kWait)));
    EXPECT_TRUE(probe.wait_events("scan:created", 1, in(kWait)));
    client.reset();
    EXPECT_TRUE(server.wait_for_evt("disconnect", in(kWait)));
  }
  work.reset();
  runner.join();  // returns once the client's last operations completed
}

TEST(NativeClientInterop, CallsFromManyThreadsAreSerialised) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({})), probe);
  ASSERT_TRUE(client);
  // An acked round trip: once it is back, the client has seen room:join's ack
  // too, so the emits below go out at once instead of into the queue (where
  // disconnect() would keep them).
  std::promise<void> ready;
  client->emit("sync:since", R"([{"seq":0,"limit":1}])",
               [&](std::error_code, const std::vector<std::string_view>&) { ready.set_value(); });
  ASSERT_EQ(ready.get_future().wait_until(in(kWait)), std::future_status::ready);

  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        client->emit("ping:test", json::array({{{"t", t}, {"i", i}}}).dump(),
                     [&](std::error_code, const std::vector<std::string_view>&) {
                       ++acked;
                       probe.record([](ProbeRecord&) {});
                     });
        (void)client->status();
      }
    });
  }
  for (auto& th : threads) th.join();
  // The server has no handler for ping:test, so no ack comes: the
  // disconnect fails every pending ack (errc::closed), each handler once.
  client->disconnect();
  ASSERT_TRUE(probe.wait([&](const ProbeRecord&) { return acked == 100; }, in(kWait)));
  // Per thread, the server saw the emits in the order they were made.
  ASSERT_TRUE(server.wait_for([n = 0](const json& l) mutable { return evt_is(l, "received") && ++n == 102; }, in(kWait)));
  std::map<int, int> next;
  for (const auto& line : server.lines()) {
    if (!evt_is(line, "received") || line["event"] != "ping:test") continue;
    const int t = line["data"]["t"];
    EXPECT_EQ(line["data"]["i"], next[t]++);
  }
}

}  // namespace
}  // namespace scansync::interop
