#pragma once
// NetworkState: the kernel's links and default routes as far as the netlink
// messages told us, and the answer to "is there a way out?". Pure data, no
// I/O; NetlinkSession decides which messages reach it and when to trust it.
//
// Online iff some unicast default route, in any table but "local", leaves
// through a usable interface: IFF_UP and IFF_RUNNING, operstate up or unknown
// (tun/wireguard report unknown), not loopback. A route without an interface
// (one through a nexthop object, RTA_NH_ID) counts when any non-loopback
// interface is usable: guessing online costs a failed connect, guessing
// offline strands the client.
//
// Only default routes (dst_len 0) are kept; the rest of the table is
// irrelevant. Each nexthop of a multipath route is kept as its own entry.
#include <cstdint>
#include <map>
#include <vector>

#include "network_monitor_netlink.h"

namespace scansync::device {

class NetworkState {
 public:
  // Adds or updates a link. True when whether it is usable changed (a new
  // link counts as a change only if it is usable).
  bool put_link(const netlink::Link& link);
  // Removes a link and every route through it (the kernel flushes those
  // routes, not always with an RTM_DELROUTE). True when it was usable.
  bool remove_link(int index);

  // replace: NLM_F_REPLACE, the route takes the place of those with its key
  // (family, table, priority, tos); otherwise its nexthops are added.
  void put_route(const netlink::Route& route, bool replace);
  // Removes the given nexthops of the route's key, or every entry of the key
  // when the message names none.
  void remove_route(const netlink::Route& route);

  void clear_links() { links_.clear(); }
  void clear_routes() { routes_.clear(); }

  bool online() const;
  std::size_t default_routes() const { return routes_.size(); }

 private:
  struct LinkState {
    bool usable = false;
    bool loopback = false;
  };
  struct Entry {
    std::uint8_t family = 0;
    std::uint32_t table = 0;
    std::uint32_t priority = 0;
    std::uint8_t tos = 0;
    bool via_nexthop_object = false;
    netlink::Nexthop nexthop;
    bool same_key(const Entry& o) const {
      return family == o.family && table == o.table && priority == o.priority && tos == o.tos;
    }
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  static bool counts(const netlink::Route& route);
  static std::vector<Entry> entries(const netlink::Route& route);
  bool usable(int index) const;

  std::map<int, LinkState> links_;
  std::vector<Entry> routes_;  // default routes only: a handful
};

}  // namespace scansync::device
