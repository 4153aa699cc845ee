#include "network_monitor_session.h"

#include <gtest/gtest.h>

#include <random>

#include "network_monitor_test_util.h"

namespace scansync::device {
namespace {

using namespace test;

constexpr std::uint32_t kPort = 4242;

// Drives a session as the kernel would: answers its dump requests from a
// model of the tables the test sets.
class SessionTest : public ::testing::Test {
 protected:
  // Takes the next request and checks its type; returns its seq.
  std::uint32_t expect_request(std::uint16_t type) {
    auto req = s.next_request();
    EXPECT_TRUE(req.has_value());
    if (!req) return 0;
    nlmsghdr h;
    std::memcpy(&h, req->data(), sizeof h);
    EXPECT_EQ(h.nlmsg_type, type);
    EXPECT_FALSE(s.next_request().has_value()) << "one dump at a time";
    return h.nlmsg_seq;
  }
  Msg reply(std::uint32_t seq) { return {seq, kPort, NLM_F_MULTI}; }
  void feed(const Bytes& d) { EXPECT_FALSE(s.receive(d)); }

  // The initial dumps: loopback and eth0 (index 2), and a default route via
  // eth0 when with_route.
  void sync(bool with_route) {
    const auto links = expect_request(RTM_GETLINK);
    feed(concat({new_link(1, kUpRunning | IFF_LOOPBACK, reply(links)), new_link(2, kUpRunning, reply(links))}));
    feed(done(reply(links)));
    EXPECT_FALSE(s.synced());
    const auto routes = expect_request(RTM_GETROUTE);
    if (with_route) feed(new_route(via2, reply(routes)));
    feed(done(reply(routes)));
    EXPECT_TRUE(s.synced());
  }

  NetlinkSession s{kPort};
  RouteSpec via2 = [] {
    RouteSpec r;
    r.oif = 2;
    return r;
  }();
};

TEST_F(SessionTest, NotSyncedUntilBothDumpsComplete) {
  EXPECT_FALSE(s.synced());
  sync(true);
  EXPECT_TRUE(s.online());
  EXPECT_FALSE(s.next_request().has_value());
}

TEST_F(SessionTest, OfflineWithoutDefaultRoute) {
  sync(false);
  EXPECT_FALSE(s.online());
}

TEST_F(SessionTest, NotificationsChangeTheAnswer) {
  sync(false);
  feed(new_route(via2));
  EXPECT_TRUE(s.online());
  feed(del_route(via2));
  EXPECT_FALSE(s.online());
}

TEST_F(SessionTest, CarrierLossGoesOfflineAtOnceAndRefreshesRoutes) {
  sync(true);
  feed(new_link(2, IFF_UP));  // carrier gone
  EXPECT_FALSE(s.online());
  EXPECT_TRUE(s.synced()) << "a refresh does not hide the answer";
  const auto routes = expect_request(RTM_GETROUTE);
  feed(new_route(via2, reply(routes)));  // the kernel keeps routes on carrier loss
  feed(done(reply(routes)));
  feed(new_link(2, kUpRunning));
  EXPECT_TRUE(s.online());
}

TEST_F(SessionTest, AdminDownFlushIsLearntFromTheRouteDump) {
  // The kernel drops IPv4 routes of a link set down without RTM_DELROUTE.
  sync(true);
  feed(new_link(2, 0));
  EXPECT_FALSE(s.online());
  const auto routes = expect_request(RTM_GETROUTE);
  feed(done(reply(routes)));  // no route any more
  feed(new_link(2, kUpRunning));
  EXPECT_FALSE(s.online()) << "a stale route would say online here";
  const auto again = expect_request(RTM_GETROUTE);
  feed(done(reply(again)));
  EXPECT_FALSE(s.online());
}

TEST_F(SessionTest, DeletedAddressOrLinkRefreshesRoutes) {
  sync(true);
  feed(del_addr(2));
  feed(done(reply(expect_request(RTM_GETROUTE))));
  EXPECT_FALSE(s.online());
  feed(new_route(via2));
  EXPECT_TRUE(s.online());
  feed(del_link(2));
  EXPECT_FALSE(s.online());
  EXPECT_EQ(s.state().default_routes(), 0u);
  (void)expect_request(RTM_GETROUTE);
}

TEST_F(SessionTest, NotificationsDuringADumpReachTheShadow) {
  sync(false);
  feed(new_link(2, IFF_UP));
  const auto routes = expect_request(RTM_GETROUTE);
  RouteSpec other = via2;
  other.priority = 100;
  feed(new_route(other, reply(routes)));  // first reply: the shadow begins
  feed(new_route(via2));                  // a notification in the middle of the dump
  feed(done(reply(routes)));
  EXPECT_EQ(s.state().default_routes(), 2u);
}

TEST_F(SessionTest, NotificationsBeforeTheFirstReplyAreSupersededByTheDump) {
  sync(true);
  feed(new_link(2, IFF_UP));
  const auto routes = expect_request(RTM_GETROUTE);
  RouteSpec stale = via2;
  stale.priority = 7;
  feed(new_route(stale));   // queued before the dump began; the dump says it is gone
  feed(done(reply(routes)));
  EXPECT_EQ(s.state().default_routes(), 0u);
}

TEST_F(SessionTest, OverrunHidesTheAnswerUntilBothDumpsAreRedone) {
  sync(true);
  s.on_overrun();
  EXPECT_FALSE(s.synced());
  EXPECT_EQ(s.overruns(), 1u);
  feed(del_route(via2));  // stale or not, no answer yet
  const auto links = expect_request(RTM_GETLINK);
  feed(concat({new_link(2, kUpRunning, reply(links)), done(reply(links))}));
  EXPECT_FALSE(s.synced());
  const auto routes = expect_request(RTM_GETROUTE);
  feed(concat({new_route(via2, reply(routes)), done(reply(routes))}));
  EXPECT_TRUE(s.synced());
  EXPECT_TRUE(s.online());
}

TEST_F(SessionTest, OverrunDuringADumpNeedsAFreshDump) {
  const auto links = expect_request(RTM_GETLINK);
  s.on_overrun();
  feed(done(reply(links)));
  const auto links2 = expect_request(RTM_GETLINK);
  EXPECT_NE(links2, links);
  feed(done(reply(links2)));
  feed(done(reply(expect_request(RTM_GETROUTE))));
  EXPECT_TRUE(s.synced());
}

TEST_F(SessionTest, MalformedDatagramCountsAsOverrun) {
  sync(true);
  const Bytes good = new_link(2, kUpRunning);
  const Bytes bad(good.begin(), good.end() - 5);  // nlmsg_len now exceeds the datagram
  EXPECT_EQ(s.receive(bad), network_monitor_errc::malformed_message);
  EXPECT_FALSE(s.synced());
  EXPECT_EQ(s.overruns(), 1u);
  (void)expect_request(RTM_GETLINK);
}

TEST_F(SessionTest, InterruptedDumpIsRepeated) {
  const auto links = expect_request(RTM_GETLINK);
  Msg intr = reply(links);
  intr.flags |= NLM_F_DUMP_INTR;
  feed(concat({new_link(2, kUpRunning, intr), done(intr)}));
  const auto again = expect_request(RTM_GETLINK);
  feed(concat({new_link(2, kUpRunning, reply(again)), done(reply(again))}));
  const auto routes = expect_request(RTM_GETROUTE);
  feed(concat({new_route(via2, reply(routes)), done(reply(routes))}));
  EXPECT_TRUE(s.synced());
  EXPECT_TRUE(s.online());
}

TEST_F(SessionTest, RefusedDumpsAreRetriedThenGivenUp) {
  for (int i = 0; i < NetlinkSession::kMaxDumpFailures; ++i) {
    EXPECT_FALSE(s.failure());
    feed(error_reply(reply(expect_request(RTM_GETLINK)), -EBUSY));
  }
  EXPECT_EQ(s.failure(), network_monitor_errc::dump_failed);
  EXPECT_FALSE(s.next_request().has_value());
}

TEST_F(SessionTest, FailedDoneCountsAsARefusal) {
  feed(done(reply(expect_request(RTM_GETLINK)), -EINTR));
  (void)expect_request(RTM_GETLINK);
  EXPECT_FALSE(s.failure());
}

TEST_F(SessionTest, LateRepliesToOldDumpsAndOthersAcksAreIgnored) {
  sync(true);
  feed(del_route(via2, {1, kPort}));      // seq 1 was the finished link dump
  feed(error_reply({5, 999}, -EPERM));    // someone else's ack
  EXPECT_TRUE(s.online());
}

TEST_F(SessionTest, OthersRequestsShowAsNotifications) {
  // `ip route add` by another process: the notification carries its pid/seq.
  sync(false);
  feed(new_route(via2, {1, 31337}));
  EXPECT_TRUE(s.online());
}

TEST_F(SessionTest, RestartContinuesSequenceNumbers) {
  sync(true);
  NetlinkSession next(kPort, s.next_seq());
  auto req = next.next_request();
  ASSERT_TRUE(req);
  nlmsghdr h;
  std::memcpy(&h, req->data(), sizeof h);
  EXPECT_EQ(h.nlmsg_seq, s.next_seq());
  // A late reply of the old session (seq 2, the route dump) is not taken for new.
  EXPECT_FALSE(next.receive(concat({new_route(via2, reply(2)), done(reply(2))})));
  EXPECT_FALSE(next.synced());
}

// Random corruptions of a valid dump, fed to a session: under ASan/UBSan any
// out-of-bounds or misaligned read fails the run. Deterministic seed.
TEST(NetlinkSessionCorruption, MutatedDatagramsNeverReadOutOfBounds) {
  RouteSpec spec;
  spec.oif = 2;
  spec.gateway4 = 0x0100000a;
  const Bytes valid = concat({new_link(2, kUpRunning, {1, kPort, NLM_F_MULTI}), new_route(spec, {1, kPort, NLM_F_MULTI}),
                              del_addr(2), done({1, kPort})});
  std::mt19937 rng(12345);
  NetlinkSession s(kPort);
  (void)s.next_request();
  for (int i = 0; i < 20000; ++i) {
    Bytes d = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) d[rng() % d.size()] = static_cast<std::byte>(rng());
    const std::size_t cut = rng() % (d.size() + 1);
    const std::vector<std::byte> exact(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(cut));
    (void)s.receive(exact);
    while (s.next_request()) {
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace scansync::device
