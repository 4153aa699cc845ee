// The store keeps its newest-first view and its count in memory across
// calls (device/scan_view.h); each case checks them against a store opened
// afresh on the same file, which reads them from SQLite.
#include <gtest/gtest.h>

#include "device/device_store_test_util.h"

namespace scansync::device::testing {
namespace {

class DeviceStoreViewTest : public DeviceStoreTest {
 protected:
  static constexpr std::size_t kLimit = 3;

  // The store's view (read once at least, so that it is kept) equals the file's.
  void expect_as_in_file(DeviceStore& s) {
    auto fresh = open();
    ASSERT_TRUE(fresh);
    EXPECT_EQ(*s.scans(kLimit), *fresh->scans(kLimit));
    EXPECT_EQ(count(s), count(*fresh));
  }
  static Scan at(Scan s, const char* created_at) {
    s.created_at = created_at;
    return s;
  }
};

TEST_F(DeviceStoreViewTest, FollowsCreatesDeletesAndDuplicates) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_FALSE(s->apply({created(at(server_scan(1, 1), "2026-01-01T00:00:01.000Z")),
                         created(at(server_scan(2, 2), "2026-01-01T00:00:02.000Z")),
                         created(at(server_scan(3, 3), "2026-01-01T00:00:03.000Z")),
                         created(at(server_scan(4, 4), "2026-01-01T00:00:04.000Z"))},
                        Cursor{4, "e"}));
  expect_as_in_file(*s);
  // The same page again writes nothing and counts nothing.
  ASSERT_FALSE(s->apply({created(at(server_scan(4, 4), "2026-01-01T00:00:04.000Z"))}, Cursor{4, "e"}));
  expect_as_in_file(*s);
  // An unseen row, then a visible one (the next one is then read again).
  ASSERT_FALSE(s->apply({deleted(1, 5)}, Cursor{5, "e"}));
  expect_as_in_file(*s);
  ASSERT_FALSE(s->apply({deleted(4, 6), deleted(4, 6), deleted(9, 7)}, Cursor{7, "e"}));
  expect_as_in_file(*s);
  // A late create of a deleted scan stays out.
  ASSERT_FALSE(s->apply({created(at(server_scan(4, 4), "2026-01-01T00:00:04.000Z"))}, Cursor{7, "e"}));
  expect_as_in_file(*s);
  EXPECT_EQ(count(*s), 2u);
}

TEST_F(DeviceStoreViewTest, FollowsLocalScansAcksAndDeletes) {
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(count(*s), 0u);
  auto mine = s->add_local_scan(at(local_scan(1), "2026-01-01T00:00:09.000Z"));
  ASSERT_TRUE(mine.ok());
  expect_as_in_file(*s);
  Scan acked = *mine;
  acked.seq = 1;
  acked.synced = true;
  ASSERT_FALSE(s->ack_create(acked));
  expect_as_in_file(*s);
  EXPECT_TRUE(s->scans(kLimit)->front().synced);
  ASSERT_FALSE(s->delete_local(mine->id));
  expect_as_in_file(*s);
  EXPECT_EQ(count(*s), 0u);
}

TEST_F(DeviceStoreViewTest, AFailedBatchMovesNothing) {
  DeviceStoreOptions capped;
  capped.max_page_count = 16;
  auto s = open("alice", capped);
  ASSERT_TRUE(s);
  ASSERT_FALSE(s->apply({created(server_scan(1, 1))}, Cursor{1, "e"}));
  EXPECT_EQ(count(*s), 1u);
  std::vector<ServerChange> page;
  for (int i = 2; i <= 2001; ++i) {
    Scan scan = server_scan(i, i);
    scan.code.assign(200, 'x');
    page.push_back(created(std::move(scan)));
  }
  ASSERT_EQ(s->apply(page, Cursor{2001, "e"}), errc::storage_full);
  EXPECT_EQ(count(*s), 1u);
  expect_as_in_file(*s);
}

TEST_F(DeviceStoreViewTest, AnotherConnectionsWriteIsSeen) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_FALSE(s->apply({created(server_scan(1, 1))}, Cursor{1, "e"}));
  EXPECT_EQ(count(*s), 1u);
  {
    auto other = open();
    ASSERT_FALSE(other->apply({created(server_scan(2, 2)), deleted(1, 3)}, Cursor{3, "e"}));
  }
  expect_as_in_file(*s);
  EXPECT_EQ(count(*s), 1u);
  EXPECT_EQ(s->scans(kLimit)->front().id, uuid(2));
}

TEST_F(DeviceStoreViewTest, AResetIsReadAgain) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
  ASSERT_FALSE(s->apply({created(server_scan(2, 1)), created(server_scan(3, 2))}, Cursor{2, "e"}));
  EXPECT_EQ(count(*s), 3u);
  ASSERT_FALSE(s->reset_history("e2"));
  expect_as_in_file(*s);
  EXPECT_EQ(count(*s), 1u);
}

}  // namespace
}  // namespace scansync::device::testing
