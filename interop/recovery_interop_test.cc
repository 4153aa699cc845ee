// Connection state recovery against socket.io 4.8.1 (connectionStateRecovery):
// the client sends pid + offset on reconnect and gets what it missed.
#include "harness/interop_support.h"

namespace scansync::interop {
namespace {

using client::Status;
using nlohmann::json;

std::size_t count_evt(const ReferenceServer& server, const std::string& evt) {
  return static_cast<std::size_t>(
      std::count_if(server.lines().begin(), server.lines().end(), [&](const json& l) { return evt_is(l, evt); }));
}

TEST(RecoveryInterop, EventsMissedWhileAwayArriveOnceWithoutTheOffset) {
  auto server = start_server({.recovery = true});
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})), probe, {"scan:created"});
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for_evt("join", in(kWait)));
  // One event while connected, so the client holds an offset.
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000000", 1), in(kWait)));
  ASSERT_TRUE(probe.wait_events("scan:created", 1, in(kWait)));

  // Keep the client away (new handshakes refused) while three events are emitted.
  ASSERT_TRUE(server.control({{"cmd", "hold"}}, in(kWait)));
  ASSERT_TRUE(server.control({{"cmd", "drop-transports"}}, in(kWait)));
  ASSERT_TRUE(server.wait_for_evt("disconnect", in(kWait)));
  ASSERT_TRUE(probe.wait_status(Status::reconnecting, in(kWait)));
  std::vector<json> missed;
  for (int i = 1; i <= 3; ++i) {
    missed.push_back(scan("00000000-0000-4000-8000-00000000000" + std::to_string(i), 1 + i));
    ASSERT_TRUE(server.emit_to("alice", "scan:created", missed.back(), in(kWait)));
  }
  ASSERT_TRUE(server.control({{"cmd", "release"}}, in(kWait)));

  auto back = server.wait_for([](const json& l) { return evt_is(l, "connection") && l.value("count", 0) == 2; },
                              in(kWait));
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)["recovered"], true);
  ASSERT_TRUE(probe.wait_events("scan:created", 4, in(kWait)))
      << "client got " << probe.events_named("scan:created").size() << " events; server:\n" << server.transcript();
  ASSERT_TRUE(probe.wait_status(Status::connected, in(kWait)));
  EXPECT_TRUE(client->recovered());

  // A live event after recovery: it must be the fifth, so nothing came twice.
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000009", 5), in(kWait)));
  ASSERT_TRUE(probe.wait_events("scan:created", 5, in(kWait)));
  const auto got = probe.events_named("scan:created");
  ASSERT_EQ(got.size(), 5u);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(got[i].args.size(), 1u) << "the offset argument is stripped";
    EXPECT_EQ(json::parse(got[i].args[0]), missed[i - 1]);
  }
  EXPECT_EQ(json::parse(got[4].args[0])["seq"], 5);
}

TEST(RecoveryInterop, WithoutRecoveryTheClientRejoinsAsANewSession) {
  auto server = start_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({.sub = "alice"})), probe, {"scan:created"});
  ASSERT_TRUE(client);
  ASSERT_TRUE(server.wait_for_evt("join", in(kWait)));

  ASSERT_TRUE(server.control({{"cmd", "drop-transports"}}, in(kWait)));
  ASSERT_TRUE(server.wait_for([n = 0](const json& l) mutable { return evt_is(l, "join") && ++n == 2; }, in(kWait)));
  auto second = server.wait_for([](const json& l) { return evt_is(l, "connection") && l.value("count", 0) == 2; },
                                in(kWait));
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)["recovered"], false);
  ASSERT_TRUE(probe.wait([](const ProbeRecord& r) {
    return std::count_if(r.statuses.begin(), r.statuses.end(),
                         [](const client::StatusInfo& s) { return s.status == Status::connected; }) == 2;
  }, in(kWait)));
  EXPECT_FALSE(client->recovered());
  EXPECT_EQ(count_evt(server, "handshake"), 2u);
}

}  // namespace
}  // namespace scansync::interop
