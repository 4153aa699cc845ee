#include "network_monitor_state.h"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>

namespace scansync::device {

bool NetworkState::put_link(const netlink::Link& link) {
  LinkState s;
  s.loopback = (link.flags & IFF_LOOPBACK) != 0;
  const bool oper_ok = !link.operstate || *link.operstate == IF_OPER_UP || *link.operstate == IF_OPER_UNKNOWN;
  s.usable = (link.flags & IFF_UP) != 0 && (link.flags & IFF_RUNNING) != 0 && oper_ok;
  auto [it, inserted] = links_.try_emplace(link.index, s);
  const bool was_usable = inserted ? false : it->second.usable;
  it->second = s;
  return was_usable != s.usable;
}

bool NetworkState::remove_link(int index) {
  const auto it = links_.find(index);
  const bool was_usable = it != links_.end() && it->second.usable;
  if (it != links_.end()) links_.erase(it);
  std::erase_if(routes_, [&](const Entry& e) { return e.nexthop.oif == index; });
  return was_usable;
}

bool NetworkState::counts(const netlink::Route& route) {
  return (route.family == AF_INET || route.family == AF_INET6) && route.dst_len == 0 &&
         route.type == RTN_UNICAST && route.table != RT_TABLE_LOCAL;
}

std::vector<NetworkState::Entry> NetworkState::entries(const netlink::Route& route) {
  Entry base;
  base.family = route.family;
  base.table = route.table;
  base.priority = route.priority;
  base.tos = route.tos;
  base.via_nexthop_object = route.nexthop_id.has_value();
  std::vector<Entry> out;
  for (const auto& nh : route.nexthops) {
    out.push_back(base);
    out.back().nexthop = nh;
  }
  if (out.empty() && base.via_nexthop_object) out.push_back(base);
  return out;
}

void NetworkState::put_route(const netlink::Route& route, bool replace) {
  if (!counts(route)) return;
  auto add = entries(route);
  if (add.empty()) return;  // no interface and no nexthop object: nothing to go through
  if (replace) std::erase_if(routes_, [&](const Entry& e) { return e.same_key(add.front()); });
  for (const auto& e : add) {
    if (std::find(routes_.begin(), routes_.end(), e) == routes_.end()) routes_.push_back(e);
  }
}

void NetworkState::remove_route(const netlink::Route& route) {
  if (!counts(route)) return;
  const auto gone = entries(route);
  if (gone.empty()) {
    Entry key;
    key.family = route.family;
    key.table = route.table;
    key.priority = route.priority;
    key.tos = route.tos;
    std::erase_if(routes_, [&](const Entry& e) { return e.same_key(key); });
    return;
  }
  for (const auto& g : gone) {
    std::erase_if(routes_, [&](const Entry& e) {
      return e.same_key(g) && e.nexthop == g.nexthop && e.via_nexthop_object == g.via_nexthop_object;
    });
  }
}

bool NetworkState::usable(int index) const {
  const auto it = links_.find(index);
  return it != links_.end() && it->second.usable && !it->second.loopback;
}

bool NetworkState::online() const {
  const bool any_link = std::any_of(links_.begin(), links_.end(),
                                    [](const auto& kv) { return kv.second.usable && !kv.second.loopback; });
  return std::any_of(routes_.begin(), routes_.end(), [&](const Entry& e) {
    return e.nexthop.oif != 0 ? usable(e.nexthop.oif) : any_link;
  });
}

}  // namespace scansync::device
