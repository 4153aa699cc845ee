#include "gateway/rooms.h"

#include <gtest/gtest.h>

#include <vector>

namespace scansync::gateway {
namespace {

struct Member : RoomMember {
  std::vector<Frame> got;
  void deliver(const Frame& f) override { got.push_back(f); }
};

TEST(Rooms, BroadcastReachesOnlyTheRoom) {
  RoomRegistry rooms;
  Member a1, a2, b;
  rooms.join("user:alice", &a1);
  rooms.join("user:alice", &a2);
  rooms.join("user:bob", &b);
  EXPECT_EQ(rooms.broadcast("user:alice", text_frame("42[\"x\"]")), 2u);
  EXPECT_EQ(a1.got.size(), 1u);
  EXPECT_EQ(a2.got.size(), 1u);
  EXPECT_TRUE(b.got.empty());
  EXPECT_EQ(rooms.broadcast("user:nobody", text_frame("42[\"x\"]")), 0u);
}

TEST(Rooms, BroadcastSharesOneBuffer) {
  RoomRegistry rooms;
  Member m[3];
  for (auto& x : m) rooms.join("r", &x);
  Frame f = text_frame("42[\"scan:created\",{}]");
  rooms.broadcast("r", f);
  for (auto& x : m) {
    ASSERT_EQ(x.got.size(), 1u);
    EXPECT_EQ(x.got[0].bytes.get(), f.bytes.get()) << "same buffer, not a copy";
  }
  EXPECT_EQ(f.bytes.use_count(), 4);
}

TEST(Rooms, JoinTwiceCountsOnce) {
  RoomRegistry rooms;
  Member a;
  rooms.join("r", &a);
  rooms.join("r", &a);
  EXPECT_EQ(rooms.size("r"), 1u);
  rooms.broadcast("r", text_frame("4x"));
  EXPECT_EQ(a.got.size(), 1u);
}

TEST(Rooms, LeaveAndLeaveAll) {
  RoomRegistry rooms;
  Member a, b;
  rooms.join("r1", &a);
  rooms.join("r2", &a);
  rooms.join("r1", &b);
  rooms.leave("r1", &a);
  EXPECT_FALSE(rooms.contains("r1", &a));
  EXPECT_TRUE(rooms.contains("r2", &a));
  rooms.leave_all(&a);
  EXPECT_FALSE(rooms.contains("r2", &a));
  EXPECT_EQ(rooms.room_count(), 1u) << "empty rooms are dropped";
  rooms.leave_all(&b);
  EXPECT_EQ(rooms.room_count(), 0u);
  rooms.leave("r1", &b);  // leaving what one is not in is harmless
}

struct LeavingMember : RoomMember {
  RoomRegistry* rooms = nullptr;
  int got = 0;
  void deliver(const Frame&) override {
    ++got;
    rooms->leave_all(this);  // e.g. its connection overflowed and closed
  }
};

TEST(Rooms, MemberLeavingDuringBroadcastIsSafe) {
  RoomRegistry rooms;
  LeavingMember m[4];
  for (auto& x : m) {
    x.rooms = &rooms;
    rooms.join("r", &x);
  }
  EXPECT_EQ(rooms.broadcast("r", text_frame("4x")), 4u);
  for (auto& x : m) EXPECT_EQ(x.got, 1);
  EXPECT_EQ(rooms.size("r"), 0u);
}

}  // namespace
}  // namespace scansync::gateway
