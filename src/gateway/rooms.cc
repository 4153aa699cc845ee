#include "gateway/rooms.h"

#include <algorithm>

namespace scansync::gateway {

void RoomRegistry::join(const std::string& room, RoomMember* member) {
  if (rooms_[room].insert(member).second) memberships_[member].push_back(room);
}

void RoomRegistry::leave(const std::string& room, RoomMember* member) {
  auto it = rooms_.find(room);
  if (it == rooms_.end() || it->second.erase(member) == 0) return;
  if (it->second.empty()) rooms_.erase(it);
  auto m = memberships_.find(member);
  if (m != memberships_.end()) {
    auto& list = m->second;
    list.erase(std::remove(list.begin(), list.end(), room), list.end());
    if (list.empty()) memberships_.erase(m);
  }
}

void RoomRegistry::leave_all(RoomMember* member) {
  auto m = memberships_.find(member);
  if (m == memberships_.end()) return;
  for (const auto& room : m->second) {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) continue;
    it->second.erase(member);
    if (it->second.empty()) rooms_.erase(it);
  }
  memberships_.erase(m);
}

bool RoomRegistry::contains(std::string_view room, const RoomMember* member) const {
  auto it = rooms_.find(std::string(room));
  return it != rooms_.end() && it->second.count(const_cast<RoomMember*>(member)) != 0;
}

std::size_t RoomRegistry::size(std::string_view room) const {
  auto it = rooms_.find(std::string(room));
  return it == rooms_.end() ? 0 : it->second.size();
}

std::size_t RoomRegistry::broadcast(std::string_view room, const Frame& frame) const {
  auto it = rooms_.find(std::string(room));
  if (it == rooms_.end()) return 0;
  std::vector<RoomMember*> members(it->second.begin(), it->second.end());
  for (RoomMember* m : members) m->deliver(frame);
  return members.size();
}

}  // namespace scansync::gateway
