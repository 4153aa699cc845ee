#include "network_monitor_state.h"

#include <gtest/gtest.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace scansync::device {
namespace {

netlink::Link link(int index, unsigned flags, std::optional<std::uint8_t> oper = std::nullopt) {
  return {index, flags, oper};
}

netlink::Route default_route(int oif, std::uint8_t family = AF_INET, std::uint32_t table = RT_TABLE_MAIN) {
  netlink::Route r;
  r.family = family;
  r.type = RTN_UNICAST;
  r.table = table;
  netlink::Nexthop nh;
  nh.oif = oif;
  r.nexthops.push_back(nh);
  return r;
}

constexpr unsigned kUp = IFF_UP | IFF_RUNNING;

TEST(NetworkState, OfflineWhenEmpty) { EXPECT_FALSE(NetworkState{}.online()); }

TEST(NetworkState, DefaultRouteThroughUsableLinkIsOnline) {
  NetworkState s;
  EXPECT_TRUE(s.put_link(link(2, kUp, IF_OPER_UP)));
  EXPECT_FALSE(s.online());  // a link without a route
  s.put_route(default_route(2), false);
  EXPECT_TRUE(s.online());
}

TEST(NetworkState, IPv6DefaultRouteCountsToo) {
  NetworkState s;
  s.put_link(link(2, kUp));
  s.put_route(default_route(2, AF_INET6), false);
  EXPECT_TRUE(s.online());
}

TEST(NetworkState, LinkStatesThatAreNotUsable) {
  NetworkState s;
  s.put_route(default_route(2), false);
  s.put_link(link(2, IFF_UP));  // admin up, no carrier
  EXPECT_FALSE(s.online());
  s.put_link(link(2, kUp, IF_OPER_DORMANT));  // e.g. wifi not yet authenticated
  EXPECT_FALSE(s.online());
  s.put_link(link(2, kUp, IF_OPER_UNKNOWN));  // tun / wireguard
  EXPECT_TRUE(s.online());
  s.put_link(link(2, IFF_RUNNING));  // admin down
  EXPECT_FALSE(s.online());
}

TEST(NetworkState, LoopbackNeverCounts) {
  NetworkState s;
  s.put_link(link(1, kUp | IFF_LOOPBACK, IF_OPER_UNKNOWN));
  s.put_route(default_route(1), false);
  EXPECT_FALSE(s.online());
}

TEST(NetworkState, RouteToAnUnknownLinkDoesNotCount) {
  NetworkState s;
  s.put_route(default_route(9), false);
  EXPECT_FALSE(s.online());
  s.put_link(link(9, kUp));
  EXPECT_TRUE(s.online());
}

TEST(NetworkState, OnlyUnicastDefaultRoutesOutsideLocal) {
  NetworkState s;
  s.put_link(link(2, kUp));
  auto r = default_route(2);
  r.dst_len = 24;  // not a default route
  s.put_route(r, false);
  r = default_route(2);
  r.type = RTN_UNREACHABLE;  // VRFs keep "unreachable default" in their tables
  s.put_route(r, false);
  s.put_route(default_route(2, AF_INET, RT_TABLE_LOCAL), false);
  EXPECT_FALSE(s.online());
  EXPECT_EQ(s.default_routes(), 0u);
  s.put_route(default_route(2, AF_INET, 1001), false);  // a per-network table (Android-style)
  EXPECT_TRUE(s.online());
}

TEST(NetworkState, DeleteRemovesOnlyTheMatchingNexthop) {
  NetworkState s;
  s.put_link(link(2, kUp));
  s.put_link(link(3, kUp));
  s.put_route(default_route(2), false);
  s.put_route(default_route(3), false);
  s.remove_route(default_route(2));
  EXPECT_TRUE(s.online());
  EXPECT_EQ(s.default_routes(), 1u);
  s.remove_route(default_route(3));
  EXPECT_FALSE(s.online());
}

TEST(NetworkState, DeleteWithoutNexthopsRemovesTheKey) {
  NetworkState s;
  s.put_link(link(2, kUp));
  s.put_route(default_route(2), false);
  netlink::Route bare = default_route(2);
  bare.nexthops.clear();
  s.remove_route(bare);
  EXPECT_FALSE(s.online());
}

TEST(NetworkState, ReplaceDropsTheOldNexthops) {
  NetworkState s;
  s.put_link(link(2, kUp));
  s.put_link(link(3, IFF_UP));  // no carrier
  s.put_route(default_route(2), false);
  s.put_route(default_route(3), true);
  EXPECT_FALSE(s.online());
  EXPECT_EQ(s.default_routes(), 1u);
}

TEST(NetworkState, DuplicateAddsAreOneEntry) {
  NetworkState s;
  s.put_route(default_route(2), false);
  s.put_route(default_route(2), false);
  EXPECT_EQ(s.default_routes(), 1u);
}

TEST(NetworkState, RemovingALinkRemovesItsRoutes) {
  NetworkState s;
  s.put_link(link(2, kUp));
  s.put_route(default_route(2), false);
  EXPECT_TRUE(s.remove_link(2));
  EXPECT_EQ(s.default_routes(), 0u);
  s.put_link(link(2, kUp));  // a new link that reuses the index has no routes
  EXPECT_FALSE(s.online());
}

TEST(NetworkState, NexthopObjectRouteCountsWhenAnyLinkIsUsable) {
  NetworkState s;
  netlink::Route r = default_route(0);
  r.nexthops.clear();
  r.nexthop_id = 17;
  s.put_route(r, false);
  s.put_link(link(1, kUp | IFF_LOOPBACK));
  EXPECT_FALSE(s.online());
  s.put_link(link(2, kUp));
  EXPECT_TRUE(s.online());
}

TEST(NetworkState, PutLinkReportsUsabilityChanges) {
  NetworkState s;
  EXPECT_FALSE(s.put_link(link(2, IFF_UP)));  // new and unusable: nothing changed
  EXPECT_TRUE(s.put_link(link(2, kUp)));
  EXPECT_FALSE(s.put_link(link(2, kUp)));
  EXPECT_TRUE(s.put_link(link(2, IFF_UP)));
}

}  // namespace
}  // namespace scansync::device
