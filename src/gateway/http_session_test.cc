// The HTTP adapter (http_session.cc) served by a host of the test's own, not
// a Gateway: what ConnectionHost (and SessionOwner) are for. Over a real
// loopback socket; the answers must come from the host, a stopping host's
// refusals must hold, every connection must be tracked and untracked, and a
// long-polling Engine.IO session must run on sessions the host makes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/served_host_test_util.h"

namespace scansync::gateway {
namespace {

using testing::Answer;
using testing::FakeHost;
using testing::ServedHost;

TEST(HttpSessionOnAHost, EveryRouteIsAnsweredByTheHost) {
  ServedHost served(5);
  served.start();
  const auto health = served.exchange("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"host":"fake"})");
  const auto ready = served.exchange("GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("fake"), std::string::npos) << ready.body;
  EXPECT_EQ(served.exchange("GET", "/metrics").body, "fake_metric 1\n");
  const auto page = served.exchange("GET", "/index.html");
  EXPECT_EQ(page.status, 404);
  EXPECT_NE(page.body.find("a test host serves no page"), std::string::npos) << page.body;
  const auto created = served.exchange("POST", "/api/scans", R"({"code":"x"})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.body, R"({"from":"fake"})");
  served.finish();

  const FakeHost& host = served.host();
  EXPECT_EQ(host.api_calls, std::vector<std::string>{R"(POST /api/scans {"code":"x"})"});
  EXPECT_EQ(host.observed.users, std::vector<std::string>{"alice"});  // the access log hears of the REST call
  EXPECT_EQ(host.tracks, 5);
  EXPECT_EQ(host.untracks, 5);
  EXPECT_TRUE(host.tracked.empty());
}

TEST(HttpSessionOnAHost, AStoppingHostRefusesRestCallsAndNewSessions) {
  ServedHost served(2);
  served.host().stopping_value = true;
  served.start();
  const auto rest = served.exchange("POST", "/api/scans", "{}");
  EXPECT_EQ(rest.status, 503);
  EXPECT_NE(rest.head.find("Retry-After: 1"), std::string::npos) << rest.head;
  EXPECT_EQ(served.exchange("GET", "/socket.io/?EIO=4&transport=polling").status, 503);
  served.finish();
  EXPECT_TRUE(served.host().api_calls.empty());
  EXPECT_EQ(served.host().sessions_asked, 0);
}

TEST(HttpSessionOnAHost, ASessionTheHostRefusesIs503TooManyPendingHandshakes) {
  ServedHost served(1);
  served.start();
  const auto refused = served.exchange("GET", "/socket.io/?EIO=4&transport=polling");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body, R"({"code":3,"message":"Too many pending handshakes"})");
  served.finish();
  EXPECT_EQ(served.host().sessions_asked, 1);
  EXPECT_EQ(served.host().session_remote, "127.0.0.1");
}

// The sid in an Engine.IO OPEN packet ("0{\"sid\":\"…\",…}").
std::string sid_of(const std::string& open) {
  const std::string key = R"("sid":")";
  const auto at = open.find(key);
  if (at == std::string::npos) return {};
  const auto from = at + key.size();
  return open.substr(from, open.find('"', from) - from);
}

TEST(HttpSessionOnAHost, ALongPollingSessionRunsOnTheSessionsItsHostMakes) {
  ServedHost served(3);
  served.host().grant_sessions = true;
  served.start();
  const auto open = served.exchange("GET", "/socket.io/?EIO=4&transport=polling");
  ASSERT_EQ(open.status, 200);
  ASSERT_EQ(open.body.rfind("0{", 0), 0u) << open.body;
  const std::string sid = sid_of(open.body);
  EXPECT_EQ(sid, "sid-1");
  const std::string path = "/socket.io/?EIO=4&transport=polling&sid=" + sid;
  const auto connect = served.exchange("POST", path, "40");  // the Socket.IO CONNECT
  EXPECT_EQ(connect.status, 200);
  EXPECT_EQ(connect.body, "ok");
  const auto connected = served.exchange("GET", path);
  EXPECT_EQ(connected.status, 200);
  EXPECT_EQ(connected.body.rfind("40{", 0), 0u) << connected.body;
  served.finish();
  EXPECT_EQ(served.host().sessions_asked, 1);
  EXPECT_TRUE(served.host().sessions.empty());  // closed, and ended with its owner
  EXPECT_EQ(served.host().tracks, served.host().untracks);
}

}  // namespace
}  // namespace scansync::gateway
