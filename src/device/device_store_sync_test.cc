// Applying the server's changes (idempotence, atomicity) and history resets.
#include <sqlite3.h>

#include <chrono>

#include "device/device_store_test_util.h"

namespace scansync::device {
namespace {

using namespace testing;

std::vector<std::string> ids(DeviceStore& s) {
  std::vector<std::string> out;
  const auto scans = s.scans();
  for (const auto& scan : *scans) out.push_back(scan.id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> outbox_ids(DeviceStore& s, OutboxItem::Kind kind) {
  std::vector<std::string> out;
  const auto items = s.outbox();
  for (const auto& item : *items) {
    if (item.kind == kind) out.push_back(item.id);
  }
  return out;
}

TEST_F(DeviceStoreTest, ApplyInsertsAndMovesTheCursor) {
  auto s = open();
  EXPECT_EQ(*s->cursor(), Cursor{});
  ASSERT_FALSE(s->apply({created(server_scan(1, 1)), created(server_scan(2, 2))}, Cursor{2, "e1"}));
  EXPECT_EQ(*s->cursor(), (Cursor{2, "e1"}));
  auto row = s->scan(uuid(2));
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ(**row, server_scan(2, 2));
  EXPECT_EQ(outbox_size(*s), 0u);
  ASSERT_FALSE(s->apply({}, Cursor{9, "e1"}));  // an empty page still moves the cursor
  EXPECT_EQ(s->cursor()->last_seq, 9);
}

TEST_F(DeviceStoreTest, TheSameChangeTwiceLeavesOneRow) {
  auto s = open();
  ASSERT_FALSE(s->apply({created(server_scan(1, 1)), created(server_scan(1, 1))}, Cursor{1, "e"}));
  ASSERT_FALSE(s->apply({created(server_scan(1, 1))}, Cursor{1, "e"}));
  EXPECT_EQ(count(*s), 1u);
  ASSERT_FALSE(s->apply({deleted(1, 2), deleted(1, 2)}, Cursor{2, "e"}));
  ASSERT_FALSE(s->apply({deleted(1, 2)}, Cursor{2, "e"}));
  EXPECT_EQ(count(*s), 0u);
}

TEST_F(DeviceStoreTest, LiveEventsAndAPageOverlap) {
  auto s = open();
  // Live 5 arrives while the page 3..6 is being fetched.
  ASSERT_FALSE(s->apply({created(server_scan(5, 5))}, Cursor{5, "e"}));
  ASSERT_FALSE(s->apply({created(server_scan(3, 3)), created(server_scan(4, 4)), created(server_scan(5, 5)),
                         deleted(3, 6)},
                        Cursor{6, "e"}));
  ASSERT_FALSE(s->apply({deleted(3, 6), created(server_scan(4, 4))}, Cursor{6, "e"}));
  EXPECT_EQ(ids(*s), (std::vector<std::string>{uuid(4), uuid(5)}));
}

TEST_F(DeviceStoreTest, ALateCreateOfADeletedIdIsIgnored) {
  auto s = open();
  ASSERT_FALSE(s->apply({deleted(1, 2)}, Cursor{2, "e"}));  // the delete overtook the create
  ASSERT_FALSE(s->apply({created(server_scan(1, 1))}, Cursor{2, "e"}));
  EXPECT_EQ(count(*s), 0u);
  EXPECT_EQ(outbox_size(*s), 0u);
}

TEST_F(DeviceStoreTest, TheServersCopyOfALocalScanMarksItSynced) {
  auto s = open();
  ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
  const std::string me = *s->device_id();
  // The broadcast of our own create arrives before its ack.
  ASSERT_FALSE(s->apply({created(server_scan(1, 3, "alice", me))}, Cursor{3, "e"}));
  EXPECT_EQ(count(*s), 1u);
  EXPECT_EQ(outbox_size(*s), 0u);
  auto row = s->scan(uuid(1));
  EXPECT_TRUE((*row)->synced);
  EXPECT_EQ((*row)->seq, 3);
  ASSERT_FALSE(s->ack_create(server_scan(1, 3, "alice", me)));  // then the ack
  EXPECT_EQ(count(*s), 1u);
  EXPECT_EQ(outbox_size(*s), 0u);
}

TEST_F(DeviceStoreTest, AServerDeleteDropsQueuedItemsOfThatId) {
  auto s = open();
  ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
  ASSERT_TRUE(s->add_local_scan(local_scan(2)).ok());
  ASSERT_FALSE(s->apply({deleted(1, 4)}, Cursor{4, "e"}));  // deleted elsewhere, after its create got through
  EXPECT_EQ(ids(*s), (std::vector<std::string>{uuid(2)}));
  EXPECT_EQ(outbox_ids(*s, OutboxItem::Kind::create), (std::vector<std::string>{uuid(2)}));
}

TEST_F(DeviceStoreTest, AnotherUsersChangesAreIgnored) {
  auto s = open();
  ASSERT_FALSE(s->apply({created(server_scan(1, 1, "bob"))}, Cursor{1, "e"}));
  EXPECT_EQ(count(*s), 0u);
  ASSERT_FALSE(s->apply({created(server_scan(2, 2))}, Cursor{2, "e"}));
  ASSERT_FALSE(s->apply({deleted(2, 3, "bob")}, Cursor{3, "e"}));
  EXPECT_EQ(count(*s), 1u);
}

TEST_F(DeviceStoreTest, AFailedBatchChangesNothing) {
  {
    auto s = open();
    ASSERT_FALSE(s->apply({created(server_scan(1, 1))}, Cursor{1, "e"}));
  }
  // A cap a little above the current size: the batch fills it half way.
  DeviceStoreOptions capped;
  capped.max_page_count = 16;
  auto s = open("alice", capped);
  ASSERT_TRUE(s);
  std::vector<ServerChange> page;
  for (int i = 2; i <= 2001; ++i) {
    Scan scan = server_scan(i, i);
    scan.code.assign(200, 'x');
    page.push_back(created(std::move(scan)));
  }
  EXPECT_EQ(s->apply(page, Cursor{2001, "e"}), errc::storage_full);
  EXPECT_EQ(*s->cursor(), (Cursor{1, "e"}));
  EXPECT_EQ(ids(*s), (std::vector<std::string>{uuid(1)}));
  EXPECT_EQ(*s->scan(uuid(2)), std::nullopt);
  // The store stays usable: a batch that fits goes through.
  ASSERT_FALSE(s->apply({created(server_scan(2, 2))}, Cursor{2, "e"}));
  EXPECT_EQ(count(*s), 2u);
  EXPECT_EQ(s->cursor()->last_seq, 2);
  s.reset();
  auto uncapped = open();
  ASSERT_FALSE(uncapped->apply(page, Cursor{2001, "e"}));
  EXPECT_EQ(count(*uncapped), 2001u);
}

TEST_F(DeviceStoreTest, ABatchWaitingForTheLockFailsWhole) {
  DeviceStoreOptions no_wait;
  no_wait.busy_timeout_ms = 0;
  auto s = open("alice", no_wait);
  ASSERT_FALSE(s->apply({created(server_scan(1, 1))}, Cursor{1, "e"}));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(file_.string().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(s->apply({created(server_scan(2, 2)), deleted(1, 3)}, Cursor{3, "e"}), errc::busy);
  EXPECT_EQ(s->add_local_scan(local_scan(9)).error(), errc::busy);
  EXPECT_EQ(s->delete_local(uuid(1)), errc::busy);
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(*s->cursor(), (Cursor{1, "e"}));
  EXPECT_EQ(ids(*s), (std::vector<std::string>{uuid(1)}));
  EXPECT_EQ(outbox_size(*s), 0u);
  ASSERT_FALSE(s->apply({created(server_scan(2, 2)), deleted(1, 3)}, Cursor{3, "e"}));
  EXPECT_EQ(ids(*s), (std::vector<std::string>{uuid(2)}));
}

TEST_F(DeviceStoreTest, ResetHistoryRequeuesOwnScansAndDropsTheRest) {
  auto s = open();
  const std::string me = *s->device_id();
  // Own, acked (1); own, still queued (2); from another device (3, 4); a
  // server delete (5); a delete made here, not yet confirmed (6).
  ASSERT_TRUE(s->add_local_scan(local_scan(1, "2026-01-01T00:00:01.000Z")).ok());
  ASSERT_FALSE(s->ack_create(server_scan(1, 1, "alice", me)));
  ASSERT_FALSE(s->apply({created(server_scan(3, 2)), created(server_scan(4, 3)), created(server_scan(5, 4)),
                         deleted(5, 5), created(server_scan(6, 6))},
                        Cursor{6, "old"}));
  ASSERT_TRUE(s->add_local_scan(local_scan(2, "2026-01-01T00:00:02.000Z")).ok());
  ASSERT_FALSE(s->delete_local(uuid(6)));
  ASSERT_EQ(outbox_size(*s), 2u);  // create 2, remove 6

  ASSERT_FALSE(s->reset_history("new"));
  EXPECT_EQ(*s->cursor(), (Cursor{0, "new"}));
  EXPECT_EQ(ids(*s), (std::vector<std::string>{uuid(1), uuid(2)}));
  const auto after = s->scans();
  for (const auto& scan : *after) {
    EXPECT_FALSE(scan.synced) << scan.id;
    EXPECT_EQ(scan.seq, 0) << scan.id;
  }
  const auto items = *s->outbox();
  ASSERT_EQ(items.size(), 3u);  // create 2 and remove 6 keep their places; create 1 is appended
  EXPECT_EQ(items[0].id, uuid(2));
  EXPECT_EQ(items[1].kind, OutboxItem::Kind::remove);
  EXPECT_EQ(items[1].id, uuid(6));
  EXPECT_EQ(items[2].kind, OutboxItem::Kind::create);
  EXPECT_EQ(items[2].id, uuid(1));
  EXPECT_NE(items[2].payload.find(R"("deviceId":")" + me + "\""), std::string::npos);

  // The new history: 5 is alive there (its server tombstone is gone), 6 is
  // still deleted here, 1 comes back from the server and is synced again.
  ASSERT_FALSE(s->apply({created(server_scan(5, 1)), created(server_scan(6, 2)),
                         created(server_scan(1, 3, "alice", me))},
                        Cursor{3, "new"}));
  EXPECT_EQ(ids(*s), (std::vector<std::string>{uuid(1), uuid(2), uuid(5)}));
  EXPECT_EQ(outbox_ids(*s, OutboxItem::Kind::create), (std::vector<std::string>{uuid(2)}));
  EXPECT_EQ(outbox_ids(*s, OutboxItem::Kind::remove), (std::vector<std::string>{uuid(6)}));
  // Resetting twice re-queues nothing twice.
  ASSERT_FALSE(s->reset_history("newer"));
  ASSERT_FALSE(s->reset_history("newer"));
  EXPECT_EQ(outbox_ids(*s, OutboxItem::Kind::create), (std::vector<std::string>{uuid(2), uuid(1)}));
}

TEST_F(DeviceStoreTest, ResetHistoryOfAnotherUserTouchesNothingOfOurs) {
  {
    auto alice = open("alice");
    ASSERT_FALSE(alice->apply({created(server_scan(1, 1))}, Cursor{1, "e"}));
  }
  {
    auto bob = open("bob");
    ASSERT_FALSE(bob->reset_history("b2"));
  }
  auto alice = open("alice");
  EXPECT_EQ(count(*alice), 1u);
  EXPECT_EQ(*alice->cursor(), (Cursor{1, "e"}));
}

TEST_F(DeviceStoreTest, ACatchUpOfTwentyThousandChanges) {
  auto s = open();
  constexpr int kTotal = 20000, kPage = 500;
  const auto start = std::chrono::steady_clock::now();
  for (int first = 1; first <= kTotal; first += kPage) {
    std::vector<ServerChange> page;
    page.reserve(kPage);
    for (int i = first; i < first + kPage; ++i) page.push_back(created(server_scan(i, i)));
    ASSERT_FALSE(s->apply(page, Cursor{first + kPage - 1, "e"}));
  }
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(count(*s), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(s->cursor()->last_seq, kTotal);
  std::printf("applied %d changes in %.1f ms (%.0f/s)\n", kTotal, ms, kTotal / ms * 1000);
}

}  // namespace
}  // namespace scansync::device
