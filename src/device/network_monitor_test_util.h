#pragma once
// Hand-built rtnetlink datagrams for the network monitor's tests: what the
// kernel would send, plus ways to break it.
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace scansync::device::test {

using Bytes = std::vector<std::byte>;

inline void append(Bytes& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const std::byte*>(p);
  out.insert(out.end(), b, b + n);
}
inline void pad4(Bytes& out) {
  while (out.size() % 4 != 0) out.push_back(std::byte{0});
}

inline Bytes attr(std::uint16_t type, const void* p, std::size_t n) {
  Bytes out;
  rtattr a{static_cast<unsigned short>(RTA_LENGTH(n)), type};
  append(out, &a, sizeof a);
  append(out, p, n);
  pad4(out);
  return out;
}
inline Bytes attr_u32(std::uint16_t type, std::uint32_t v) { return attr(type, &v, sizeof v); }
inline Bytes attr_u8(std::uint16_t type, std::uint8_t v) { return attr(type, &v, sizeof v); }

// One message: header, fixed body, attributes. nlmsg_len covers them all.
template <class Body>
Bytes message(std::uint16_t type, std::uint16_t flags, std::uint32_t seq, std::uint32_t pid, const Body& body,
              std::initializer_list<Bytes> attrs = {}) {
  Bytes out(NLMSG_HDRLEN);
  append(out, &body, sizeof body);
  pad4(out);
  for (const auto& a : attrs) out.insert(out.end(), a.begin(), a.end());
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(out.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = seq;
  h.nlmsg_pid = pid;
  std::memcpy(out.data(), &h, sizeof h);
  return out;
}

struct Msg {  // where a message comes from: a notification (0/0) or a dump reply
  std::uint32_t seq = 0;
  std::uint32_t pid = 0;
  std::uint16_t flags = 0;
};

inline constexpr unsigned kUpRunning = IFF_UP | IFF_RUNNING;

inline Bytes link_msg(std::uint16_t type, int index, unsigned flags, Msg m = {},
                      std::initializer_list<Bytes> attrs = {}) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  ifi.ifi_flags = flags;
  return message(type, m.flags, m.seq, m.pid, ifi, attrs);
}
inline Bytes new_link(int index, unsigned flags, Msg m = {}) {
  return link_msg(RTM_NEWLINK, index, flags, m, {attr_u8(IFLA_OPERSTATE, (flags & IFF_RUNNING) ? IF_OPER_UP : IF_OPER_DOWN)});
}
inline Bytes del_link(int index, Msg m = {}) { return link_msg(RTM_DELLINK, index, 0, m); }

struct RouteSpec {
  std::uint8_t family = AF_INET;
  std::uint8_t dst_len = 0;
  std::uint8_t type = RTN_UNICAST;
  std::uint32_t table = RT_TABLE_MAIN;
  std::uint32_t priority = 0;
  int oif = 0;                  // 0: no RTA_OIF
  std::uint32_t gateway4 = 0;   // network order; 0: no RTA_GATEWAY
};

inline Bytes route_msg(std::uint16_t type, const RouteSpec& r, Msg m = {}, std::initializer_list<Bytes> extra = {}) {
  rtmsg rtm{};
  rtm.rtm_family = r.family;
  rtm.rtm_dst_len = r.dst_len;
  rtm.rtm_type = r.type;
  rtm.rtm_table = static_cast<unsigned char>(r.table < 256 ? r.table : static_cast<std::uint32_t>(RT_TABLE_COMPAT));
  rtm.rtm_protocol = RTPROT_STATIC;
  rtm.rtm_scope = RT_SCOPE_UNIVERSE;
  Bytes attrs;
  auto add = [&](const Bytes& a) { attrs.insert(attrs.end(), a.begin(), a.end()); };
  add(attr_u32(RTA_TABLE, r.table));
  if (r.priority) add(attr_u32(RTA_PRIORITY, r.priority));
  if (r.oif) add(attr_u32(RTA_OIF, static_cast<std::uint32_t>(r.oif)));
  if (r.gateway4) add(attr(RTA_GATEWAY, &r.gateway4, 4));
  for (const auto& e : extra) add(e);
  return message(type, m.flags, m.seq, m.pid, rtm, {attrs});
}
inline Bytes new_route(const RouteSpec& r, Msg m = {}) { return route_msg(RTM_NEWROUTE, r, m); }
inline Bytes del_route(const RouteSpec& r, Msg m = {}) { return route_msg(RTM_DELROUTE, r, m); }

inline Bytes del_addr(int index, Msg m = {}) {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_index = static_cast<std::uint32_t>(index);
  return message(RTM_DELADDR, m.flags, m.seq, m.pid, ifa);
}

inline Bytes done(Msg m, int error = 0) {
  m.flags |= NLM_F_MULTI;
  return message(NLMSG_DONE, m.flags, m.seq, m.pid, error);
}
inline Bytes error_reply(Msg m, int error) {
  nlmsgerr e{};
  e.error = error;
  return message(NLMSG_ERROR, m.flags, m.seq, m.pid, e);
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace scansync::device::test
