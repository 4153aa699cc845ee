#pragma once
// Rooms of a namespace: room name → the sockets in it. A broadcast hands the
// same immutable Frame (one shared buffer, encoded once) to every member.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gateway/engine_session.h"

namespace scansync::gateway {

class RoomMember {
 public:
  virtual void deliver(const Frame& frame) = 0;

 protected:
  ~RoomMember() = default;
};

// Members are raw pointers: a member must leave_all() before it is destroyed.
class RoomRegistry {
 public:
  void join(const std::string& room, RoomMember* member);
  void leave(const std::string& room, RoomMember* member);
  void leave_all(RoomMember* member);
  bool contains(std::string_view room, const RoomMember* member) const;
  std::size_t size(std::string_view room) const;
  std::size_t room_count() const { return rooms_.size(); }
  // Members in at least one room.
  std::size_t member_count() const { return memberships_.size(); }
  // Delivers `frame` to every member of `room`; returns how many got it.
  // Safe when a delivery makes a member (its own) leave: the member list is
  // taken before the first delivery.
  std::size_t broadcast(std::string_view room, const Frame& frame) const;

 private:
  std::unordered_map<std::string, std::unordered_set<RoomMember*>> rooms_;
  std::unordered_map<RoomMember*, std::vector<std::string>> memberships_;
};

}  // namespace scansync::gateway
