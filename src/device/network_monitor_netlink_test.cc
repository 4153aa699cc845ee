#include "network_monitor_netlink.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "network_monitor_test_util.h"

namespace scansync::device {
namespace {

using namespace test;

template <class T>
const T& body(const netlink::Message& m) {
  return std::get<T>(m.body);
}

TEST(NetlinkDecode, LinkWithOperstate) {
  const auto d = new_link(3, kUpRunning, {7, 42, NLM_F_MULTI});
  auto r = netlink::decode(d);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  const auto& m = r->front();
  EXPECT_EQ(m.type, RTM_NEWLINK);
  EXPECT_EQ(m.seq, 7u);
  EXPECT_EQ(m.pid, 42u);
  EXPECT_EQ(m.flags, NLM_F_MULTI);
  EXPECT_EQ(body<netlink::Link>(m).index, 3);
  EXPECT_EQ(body<netlink::Link>(m).flags, kUpRunning);
  EXPECT_EQ(body<netlink::Link>(m).operstate, IF_OPER_UP);
}

TEST(NetlinkDecode, RouteWithGatewayOifTableAndMetric) {
  RouteSpec spec;
  spec.oif = 2;
  spec.priority = 600;
  spec.table = 1000;  // beyond rtm_table's byte: only RTA_TABLE says it
  spec.gateway4 = htonl(0x0a000001);
  auto r = netlink::decode(new_route(spec));
  ASSERT_TRUE(r.ok());
  const auto& route = body<netlink::Route>(r->front());
  EXPECT_EQ(route.family, AF_INET);
  EXPECT_EQ(route.dst_len, 0);
  EXPECT_EQ(route.table, 1000u);
  EXPECT_EQ(route.priority, 600u);
  ASSERT_EQ(route.nexthops.size(), 1u);
  EXPECT_EQ(route.nexthops[0].oif, 2);
  EXPECT_EQ(route.nexthops[0].gateway_len, 4);
}

TEST(NetlinkDecode, MultipathNexthops) {
  Bytes mp;
  for (int oif : {4, 5}) {
    std::uint32_t gw = htonl(0x0a000000u + static_cast<unsigned>(oif));
    const Bytes gwa = attr(RTA_GATEWAY, &gw, 4);
    rtnexthop nh{};
    nh.rtnh_len = static_cast<unsigned short>(sizeof nh + gwa.size());
    nh.rtnh_ifindex = oif;
    append(mp, &nh, sizeof nh);
    mp.insert(mp.end(), gwa.begin(), gwa.end());
  }
  auto r = netlink::decode(route_msg(RTM_NEWROUTE, {}, {}, {attr(RTA_MULTIPATH, mp.data(), mp.size())}));
  ASSERT_TRUE(r.ok());
  const auto& route = body<netlink::Route>(r->front());
  ASSERT_EQ(route.nexthops.size(), 2u);
  EXPECT_EQ(route.nexthops[0].oif, 4);
  EXPECT_EQ(route.nexthops[1].oif, 5);
}

TEST(NetlinkDecode, SeveralMessagesAndDone) {
  const auto d = concat({new_link(1, IFF_UP | IFF_LOOPBACK, {1, 9}), new_link(2, kUpRunning, {1, 9}), done({1, 9})});
  auto r = netlink::decode(d);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(body<netlink::Done>((*r)[2]).error, 0);
}

TEST(NetlinkDecode, ErrorAndUnknownTypes) {
  ifinfomsg ifi{};
  const auto d = concat({error_reply({3, 9}, -EBUSY), message(RTM_NEWNEIGH, 0, 0, 0, ifi)});
  auto r = netlink::decode(d);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(body<netlink::Error>((*r)[0]).error, -EBUSY);
  EXPECT_TRUE(std::holds_alternative<netlink::Other>((*r)[1].body));
}

TEST(NetlinkDecode, EmptyDatagramIsNoMessages) {
  auto r = netlink::decode({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

// Every way the lengths can lie. Under ASan any read past the datagram fails
// the test; each datagram is copied into a buffer of exactly its size.
void expect_malformed(const Bytes& d, const char* what) {
  const std::vector<std::byte> exact(d.begin(), d.end());
  auto r = netlink::decode(exact);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.error(), network_monitor_errc::malformed_message) << what;
}

void set_u32(Bytes& d, std::size_t off, std::uint32_t v) { std::memcpy(d.data() + off, &v, 4); }
void set_u16(Bytes& d, std::size_t off, std::uint16_t v) { std::memcpy(d.data() + off, &v, 2); }

TEST(NetlinkDecode, MalformedLengthsAreRejected) {
  const Bytes good = new_link(2, kUpRunning);
  {
    Bytes d = good;
    set_u32(d, 0, static_cast<std::uint32_t>(d.size() + 1));  // nlmsg_len past the end
    expect_malformed(d, "nlmsg_len > datagram");
  }
  {
    Bytes d = good;
    set_u32(d, 0, 8);  // shorter than the header itself
    expect_malformed(d, "nlmsg_len < header");
  }
  {
    Bytes d = good;
    set_u32(d, 0, 0xffffffffu);
    expect_malformed(d, "nlmsg_len huge");
  }
  {
    Bytes d(good.begin(), good.begin() + 10);  // cut inside the header
    expect_malformed(d, "truncated header");
  }
  {
    Bytes d(good.begin(), good.begin() + NLMSG_HDRLEN + 8);  // cut inside ifinfomsg
    set_u32(d, 0, static_cast<std::uint32_t>(d.size()));
    expect_malformed(d, "body shorter than ifinfomsg");
  }
  {
    Bytes d = good;
    const std::size_t rta = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg));
    set_u16(d, rta, 200);  // rta_len past the message
    expect_malformed(d, "rta_len > message");
  }
  {
    Bytes d = good;
    const std::size_t rta = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg));
    set_u16(d, rta, 2);  // rta_len below the attribute header
    expect_malformed(d, "rta_len < rtattr");
  }
  {
    Bytes d = good;
    d.resize(d.size() + 2);  // 2 stray bytes after the message: not a header
    expect_malformed(d, "trailing bytes");
  }
  {
    Bytes d = good;
    d.insert(d.end(), 3, std::byte{0});  // attribute area ends in 3 stray bytes
    set_u32(d, 0, static_cast<std::uint32_t>(d.size()));
    expect_malformed(d, "stray attribute bytes");
  }
  {
    // A route whose RTA_OIF carries 2 bytes: too short for its u32.
    std::uint16_t two = 2;
    expect_malformed(route_msg(RTM_NEWROUTE, {}, {}, {attr(RTA_OIF, &two, 2)}), "short RTA_OIF");
  }
  {
    std::uint8_t big[20] = {};
    expect_malformed(route_msg(RTM_NEWROUTE, {}, {}, {attr(RTA_GATEWAY, big, sizeof big)}), "RTA_GATEWAY > 16");
  }
  {
    rtnexthop nh{};
    nh.rtnh_len = 64;  // beyond the RTA_MULTIPATH payload
    expect_malformed(route_msg(RTM_NEWROUTE, {}, {}, {attr(RTA_MULTIPATH, &nh, sizeof nh)}), "rtnh_len");
  }
  {
    nlmsgerr e{};
    expect_malformed(message(NLMSG_ERROR, 0, 0, 0, e.error), "short nlmsgerr");
  }
  {
    // A good message followed by a bad one: the whole datagram goes.
    Bytes bad = good;
    set_u32(bad, 0, 4096);
    expect_malformed(concat({good, bad}), "good then bad");
  }
}

TEST(NetlinkDecode, EveryTruncationOfAValidDatagramIsSafe) {
  std::uint32_t gw = htonl(0x0a000001);
  RouteSpec spec;
  spec.oif = 2;
  spec.gateway4 = gw;
  const Bytes full = concat({new_link(2, kUpRunning, {1, 5}), new_route(spec, {2, 5}), done({2, 5})});
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = netlink::decode(cut);  // must not read past n bytes; may succeed only at message ends
    if (r.ok()) {
      for (const auto& m : *r) EXPECT_NE(m.type, 0);
    }
  }
}

TEST(NetlinkDecode, UnpaddedLastAttributeIsAccepted) {
  // The kernel pads, but a final attribute without padding is still inside
  // nlmsg_len and is read as such.
  Bytes d = new_link(2, kUpRunning);  // ends with IFLA_OPERSTATE: 5 bytes + 3 padding
  d.resize(d.size() - 3);
  set_u32(d, 0, static_cast<std::uint32_t>(d.size()));
  auto r = netlink::decode(d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(body<netlink::Link>(r->front()).operstate, IF_OPER_UP);
}

TEST(NetlinkDecode, DumpRequestShape) {
  const auto req = netlink::dump_request(RTM_GETROUTE, 77);
  ASSERT_EQ(req.size(), NLMSG_LENGTH(sizeof(rtmsg)));
  nlmsghdr h;
  std::memcpy(&h, req.data(), sizeof h);
  EXPECT_EQ(h.nlmsg_len, req.size());
  EXPECT_EQ(h.nlmsg_type, RTM_GETROUTE);
  EXPECT_EQ(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  EXPECT_EQ(h.nlmsg_seq, 77u);
  EXPECT_EQ(netlink::dump_request(RTM_GETLINK, 1).size(), NLMSG_LENGTH(sizeof(ifinfomsg)));
}

}  // namespace
}  // namespace scansync::device
