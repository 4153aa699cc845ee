#pragma once
// Decoding rtnetlink datagrams into the few facts the network monitor needs,
// and encoding its dump requests. Pure functions, no I/O.
//
// Bounds: every length in a datagram (nlmsg_len, rta_len, rtnh_len) is
// checked against the bytes that remain before anything it covers is read,
// and headers are copied out with memcpy, so a hostile or truncated datagram
// can neither read out of bounds nor cause a misaligned load. A datagram with
// any inconsistent length is rejected whole (network_monitor_errc::
// malformed_message): after one bad length the next message's start is
// unknown.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "scansync/device/network_monitor.h"
#include "scansync/result.h"

namespace scansync::device::netlink {

struct Link {  // RTM_NEWLINK / RTM_DELLINK
  int index = 0;
  unsigned flags = 0;                      // ifi_flags (IFF_UP, IFF_RUNNING, IFF_LOOPBACK)
  std::optional<std::uint8_t> operstate;   // IFLA_OPERSTATE (IF_OPER_*), when present
};

struct Nexthop {
  int oif = 0;                             // 0: not given (a route through a nexthop object)
  std::array<std::uint8_t, 16> gateway{};  // RTA_GATEWAY, zero-padded
  std::uint8_t gateway_len = 0;
  friend bool operator==(const Nexthop&, const Nexthop&) = default;
};

struct Route {  // RTM_NEWROUTE / RTM_DELROUTE
  std::uint8_t family = 0;                 // AF_INET / AF_INET6
  std::uint8_t dst_len = 0;                // 0: a default route
  std::uint8_t tos = 0;
  std::uint8_t type = 0;                   // RTN_UNICAST, RTN_UNREACHABLE, ...
  std::uint32_t table = 0;                 // RTA_TABLE when present, else rtm_table
  std::uint32_t priority = 0;              // RTA_PRIORITY (metric)
  std::optional<std::uint32_t> nexthop_id; // RTA_NH_ID: the interface is not in the route
  std::vector<Nexthop> nexthops;           // RTA_OIF/RTA_GATEWAY, or each RTA_MULTIPATH entry
};

struct Address {  // RTM_NEWADDR / RTM_DELADDR
  int index = 0;
};

struct Done {  // NLMSG_DONE: the end of a dump
  int error = 0;  // negative errno when the dump failed
};

struct Error {  // NLMSG_ERROR: an ack (error 0) or a refusal of a request
  int error = 0;  // 0 or a negative errno
};

struct Other {};  // a type the monitor does not use (NLMSG_NOOP, RTM_NEWNEIGH, ...)

struct Message {
  std::uint16_t type = 0;   // nlmsg_type
  std::uint16_t flags = 0;  // nlmsg_flags (NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_REPLACE, ...)
  std::uint32_t seq = 0;
  std::uint32_t pid = 0;    // the requester's port id; 0 for the kernel's own notifications
  std::variant<Other, Link, Route, Address, Done, Error> body;
};

// All messages of one datagram, in order, or malformed_message.
Result<std::vector<Message>> decode(std::span<const std::byte> datagram);

// A dump request (NLM_F_REQUEST | NLM_F_DUMP) for RTM_GETLINK or RTM_GETROUTE,
// all address families.
std::vector<std::byte> dump_request(std::uint16_t type, std::uint32_t seq);

}  // namespace scansync::device::netlink
