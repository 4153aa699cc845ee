#include "network_monitor_netlink.h"

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace scansync::device::netlink {
namespace {

using Bytes = std::span<const std::byte>;

// Copies a T from the front of b. Precondition: b.size() >= sizeof(T).
template <class T>
T load(Bytes b) {
  T t;
  std::memcpy(&t, b.data(), sizeof(T));
  return t;
}

// Calls f(type, payload) for each attribute in b (the RTA_OK / RTA_NEXT walk,
// with every rta_len checked against what remains). False on a bad length.
template <class F>
bool for_each_attribute(Bytes b, F&& f) {
  std::size_t off = 0;
  while (b.size() - off >= sizeof(rtattr)) {
    const auto rta = load<rtattr>(b.subspan(off));
    if (rta.rta_len < sizeof(rtattr) || rta.rta_len > b.size() - off) return false;
    const Bytes payload = b.subspan(off + RTA_LENGTH(0), rta.rta_len - RTA_LENGTH(0));
    if (!f(rta.rta_type & NLA_TYPE_MASK, payload)) return false;
    const std::size_t step = RTA_ALIGN(rta.rta_len);
    if (step >= b.size() - off) return true;  // the last attribute may lack its padding
    off += step;
  }
  return off == b.size();  // 1-3 stray bytes: not a whole attribute header
}

bool load_u32(Bytes payload, std::uint32_t& out) {
  if (payload.size() < sizeof(std::uint32_t)) return false;
  out = load<std::uint32_t>(payload);
  return true;
}

bool load_gateway(Bytes payload, Nexthop& nh) {
  if (payload.size() > nh.gateway.size()) return false;
  std::memcpy(nh.gateway.data(), payload.data(), payload.size());
  nh.gateway_len = static_cast<std::uint8_t>(payload.size());
  return true;
}

bool decode_multipath(Bytes b, std::vector<Nexthop>& out) {
  std::size_t off = 0;
  while (b.size() - off >= sizeof(rtnexthop)) {
    const auto rtnh = load<rtnexthop>(b.subspan(off));
    if (rtnh.rtnh_len < sizeof(rtnexthop) || rtnh.rtnh_len > b.size() - off) return false;
    Nexthop nh;
    nh.oif = rtnh.rtnh_ifindex;
    const Bytes attrs = b.subspan(off + RTNH_LENGTH(0), rtnh.rtnh_len - RTNH_LENGTH(0));
    const bool ok = for_each_attribute(attrs, [&](unsigned type, Bytes p) {
      return type != RTA_GATEWAY || load_gateway(p, nh);
    });
    if (!ok) return false;
    out.push_back(nh);
    const std::size_t step = RTNH_ALIGN(rtnh.rtnh_len);
    if (step >= b.size() - off) return true;
    off += step;
  }
  return off == b.size();
}

std::optional<Link> decode_link(Bytes payload) {
  if (payload.size() < NLMSG_ALIGN(sizeof(ifinfomsg))) return std::nullopt;
  const auto ifi = load<ifinfomsg>(payload);
  Link link;
  link.index = ifi.ifi_index;
  link.flags = ifi.ifi_flags;
  const bool ok = for_each_attribute(payload.subspan(NLMSG_ALIGN(sizeof(ifinfomsg))), [&](unsigned type, Bytes p) {
    if (type != IFLA_OPERSTATE) return true;
    if (p.empty()) return false;
    link.operstate = static_cast<std::uint8_t>(p[0]);
    return true;
  });
  if (!ok) return std::nullopt;
  return link;
}

std::optional<Route> decode_route(Bytes payload) {
  if (payload.size() < NLMSG_ALIGN(sizeof(rtmsg))) return std::nullopt;
  const auto rtm = load<rtmsg>(payload);
  Route r;
  r.family = rtm.rtm_family;
  r.dst_len = rtm.rtm_dst_len;
  r.tos = rtm.rtm_tos;
  r.type = rtm.rtm_type;
  r.table = rtm.rtm_table;
  Nexthop single;
  bool has_single = false;
  const bool ok = for_each_attribute(payload.subspan(NLMSG_ALIGN(sizeof(rtmsg))), [&](unsigned type, Bytes p) {
    std::uint32_t v = 0;
    switch (type) {
      case RTA_TABLE: return load_u32(p, r.table);
      case RTA_PRIORITY: return load_u32(p, r.priority);
      case RTA_OIF:
        if (!load_u32(p, v)) return false;
        single.oif = static_cast<int>(v);
        has_single = true;
        return true;
      case RTA_GATEWAY: has_single = true; return load_gateway(p, single);
      case RTA_NH_ID:
        if (!load_u32(p, v)) return false;
        r.nexthop_id = v;
        return true;
      case RTA_MULTIPATH: return decode_multipath(p, r.nexthops);
      default: return true;
    }
  });
  if (!ok) return std::nullopt;
  if (has_single) r.nexthops.insert(r.nexthops.begin(), single);
  return r;
}

std::optional<Message> decode_message(const nlmsghdr& h, Bytes payload) {
  Message m;
  m.type = h.nlmsg_type;
  m.flags = h.nlmsg_flags;
  m.seq = h.nlmsg_seq;
  m.pid = h.nlmsg_pid;
  switch (h.nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      auto link = decode_link(payload);
      if (!link) return std::nullopt;
      m.body = *link;
      break;
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      auto route = decode_route(payload);
      if (!route) return std::nullopt;
      m.body = std::move(*route);
      break;
    }
    case RTM_NEWADDR:
    case RTM_DELADDR:
      if (payload.size() < sizeof(ifaddrmsg)) return std::nullopt;
      m.body = Address{static_cast<int>(load<ifaddrmsg>(payload).ifa_index)};
      break;
    case NLMSG_DONE:
      // Old kernels sent NLMSG_DONE without the int; treat that as success.
      m.body = Done{payload.size() >= sizeof(int) ? load<int>(payload) : 0};
      break;
    case NLMSG_ERROR:
      if (payload.size() < sizeof(nlmsgerr)) return std::nullopt;
      m.body = Error{load<nlmsgerr>(payload).error};
      break;
    default:
      m.body = Other{};
  }
  return m;
}

}  // namespace

Result<std::vector<Message>> decode(std::span<const std::byte> datagram) {
  std::vector<Message> out;
  std::size_t off = 0;
  // The NLMSG_OK / NLMSG_NEXT walk, with nlmsg_len checked before use.
  while (datagram.size() - off >= sizeof(nlmsghdr)) {
    const auto h = load<nlmsghdr>(datagram.subspan(off));
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > datagram.size() - off) {
      return network_monitor_errc::malformed_message;
    }
    const std::size_t header = NLMSG_HDRLEN;  // NLMSG_ALIGN(sizeof(nlmsghdr)) == sizeof here
    const Bytes payload = datagram.subspan(off + header, h.nlmsg_len - header);
    auto m = decode_message(h, payload);
    if (!m) return network_monitor_errc::malformed_message;
    out.push_back(std::move(*m));
    const std::size_t step = NLMSG_ALIGN(h.nlmsg_len);
    if (step >= datagram.size() - off) return out;
    off += step;
  }
  if (off != datagram.size()) return network_monitor_errc::malformed_message;
  return out;
}

std::vector<std::byte> dump_request(std::uint16_t type, std::uint32_t seq) {
  // The family-specific header the kernel expects for each request type
  // (strict checking rejects the legacy one-byte rtgenmsg).
  const std::size_t body = type == RTM_GETLINK ? sizeof(ifinfomsg) : sizeof(rtmsg);
  std::vector<std::byte> out(NLMSG_LENGTH(body));
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(out.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  h.nlmsg_seq = seq;
  std::memcpy(out.data(), &h, sizeof h);
  // The body stays zero: family AF_UNSPEC, every interface / every table.
  return out;
}

}  // namespace scansync::device::netlink
