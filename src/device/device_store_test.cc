// Settings, local scans, the outbox and per-user isolation.
#include <sys/wait.h>
#include <unistd.h>

#include "device/device_store_test_util.h"
#include "device/scan_json.h"

namespace scansync::device {
namespace {

using namespace testing;

std::vector<OutboxItem> outbox_of(DeviceStore& s) {
  auto items = s.outbox();
  EXPECT_TRUE(items.ok());
  return items.ok() ? *items : std::vector<OutboxItem>{};
}

TEST_F(DeviceStoreTest, SettingsAreKeyValue) {
  auto s = open();
  EXPECT_EQ(*s->setting("backend_url"), std::nullopt);
  ASSERT_FALSE(s->set_setting("backend_url", "http://a"));
  ASSERT_FALSE(s->set_setting("backend_url", "http://b"));
  EXPECT_EQ(*s->setting("backend_url"), std::optional<std::string>("http://b"));
  ASSERT_FALSE(s->set_setting("empty", ""));
  EXPECT_EQ(*s->setting("empty"), std::optional<std::string>(""));
}

TEST_F(DeviceStoreTest, DeviceIdIsMadeOnceAndKept) {
  std::string first;
  {
    auto s = open();
    auto id = s->device_id();
    ASSERT_TRUE(id.ok());
    EXPECT_TRUE(detail::is_uuid_v4(*id)) << *id;
    EXPECT_EQ(*id, *s->device_id());
    EXPECT_EQ(*s->setting("device_id"), std::optional<std::string>(*id));
    first = *id;
  }
  auto s = open();
  EXPECT_EQ(*s->device_id(), first);
  auto other = open("bob");
  EXPECT_NE(*other->device_id(), first);
}

TEST_F(DeviceStoreTest, LocalScanIsStoredUnsyncedWithACreateItem) {
  auto s = open();
  auto stored = s->add_local_scan(local_scan(1));
  ASSERT_TRUE(stored.ok()) << stored.error().message();
  EXPECT_EQ(stored->user_id, "alice");
  EXPECT_EQ(stored->device_id, *s->device_id());
  EXPECT_FALSE(stored->synced);
  EXPECT_EQ(stored->seq, 0);
  EXPECT_EQ(*s->scan(uuid(1)), std::optional<Scan>(*stored));

  const auto items = outbox_of(*s);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, OutboxItem::Kind::create);
  EXPECT_EQ(items[0].id, uuid(1));
  EXPECT_EQ(items[0].payload, detail::create_payload(*stored));
  auto round_trip = decode_scan(items[0].payload.substr(0, items[0].payload.size() - 1) +
                                R"(,"userId":"alice","seq":1})");
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(round_trip->code, "code-1");
}

TEST_F(DeviceStoreTest, TheSameLocalScanTwiceIsOneRowAndOneItem) {
  auto s = open();
  auto first = s->add_local_scan(local_scan(1));
  Scan again = local_scan(1);
  again.code = "changed";
  auto second = s->add_local_scan(again);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(second->code, "code-1");  // the stored scan
  EXPECT_EQ(count(*s), 1u);
  EXPECT_EQ(outbox_size(*s), 1u);
}

TEST_F(DeviceStoreTest, LocalIdsAreStoredInLowerCase) {
  DeviceStoreOptions full;
  full.durability = DeviceStoreOptions::Durability::full;
  auto s = open("alice", full);
  Scan upper = local_scan(1);
  upper.id = "0B6F1F0E-2C4A-4D8E-BF3A-1C2B3D4E5F60";
  auto stored = s->add_local_scan(upper);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->id, "0b6f1f0e-2c4a-4d8e-bf3a-1c2b3d4e5f60");
  upper.id = "0b6f1f0e-2c4a-4d8e-bf3a-1C2B3D4E5F60";
  ASSERT_TRUE(s->add_local_scan(upper).ok());
  EXPECT_EQ(count(*s), 1u);
  EXPECT_EQ(outbox_size(*s), 1u);
}

TEST_F(DeviceStoreTest, BadLocalScansAreRefused) {
  auto s = open();
  Scan bad_id = local_scan(1);
  bad_id.id = "not-a-uuid";
  EXPECT_EQ(s->add_local_scan(bad_id).error(), errc::bad_scan);
  Scan no_code = local_scan(2);
  no_code.code.clear();
  EXPECT_EQ(s->add_local_scan(no_code).error(), errc::bad_scan);
  Scan long_code = local_scan(3);
  long_code.code.assign(4097, 'x');
  EXPECT_EQ(s->add_local_scan(long_code).error(), errc::bad_scan);
  Scan bob = local_scan(4);
  bob.user_id = "bob";
  EXPECT_EQ(s->add_local_scan(bob).error(), errc::wrong_user);
  EXPECT_EQ(count(*s), 0u);
  EXPECT_EQ(outbox_size(*s), 0u);
}

TEST_F(DeviceStoreTest, ScansAreNewestFirst) {
  auto s = open();
  ASSERT_TRUE(s->add_local_scan(local_scan(1, "2026-01-01T00:00:01.000Z")).ok());
  ASSERT_TRUE(s->add_local_scan(local_scan(3, "2026-01-01T00:00:02.000Z")).ok());
  ASSERT_TRUE(s->add_local_scan(local_scan(2, "2026-01-01T00:00:02.000Z")).ok());
  auto all = s->scans();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, uuid(3));  // same time: by id, descending
  EXPECT_EQ((*all)[1].id, uuid(2));
  EXPECT_EQ((*all)[2].id, uuid(1));
  EXPECT_EQ(s->scans(1)->size(), 1u);
}

TEST_F(DeviceStoreTest, EachUserSeesOnlyTheirOwnRows) {
  {
    auto alice = open("alice");
    ASSERT_TRUE(alice->add_local_scan(local_scan(1)).ok());
    ASSERT_FALSE(alice->apply({created(server_scan(2, 1))}, Cursor{1, "e"}));
    ASSERT_FALSE(alice->delete_local(uuid(2)));
    ASSERT_FALSE(alice->set_setting("backend_url", "http://alice"));
  }
  {
    auto bob = open("bob");
    EXPECT_EQ(count(*bob), 0u);
    EXPECT_TRUE(bob->scans()->empty());
    EXPECT_EQ(outbox_size(*bob), 0u);
    EXPECT_EQ(*bob->cursor(), Cursor{});
    EXPECT_EQ(*bob->setting("backend_url"), std::nullopt);
    EXPECT_EQ(*bob->scan(uuid(1)), std::nullopt);
    EXPECT_EQ(bob->delete_local(uuid(1)), errc::not_found);
    // Alice's tombstone does not hide bob's scan of the same id.
    ASSERT_TRUE(bob->apply({created(server_scan(2, 1, "bob"))}, Cursor{1, "b"}) == std::error_code{});
    EXPECT_EQ(count(*bob), 1u);
    // Alice's scan is not bob's, whatever the id.
    auto mine = bob->add_local_scan(local_scan(1));
    ASSERT_TRUE(mine.ok());
    EXPECT_EQ(mine->user_id, "bob");
  }
  auto alice = open("alice");
  EXPECT_EQ(count(*alice), 1u);
  EXPECT_EQ(outbox_size(*alice), 2u);  // her create of 1 and remove of 2
  EXPECT_EQ(*alice->cursor(), (Cursor{1, "e"}));
  EXPECT_EQ(*alice->setting("backend_url"), std::optional<std::string>("http://alice"));
}

TEST_F(DeviceStoreTest, OutboxSurvivesCloseAndReopenInOrder) {
  std::vector<OutboxItem> before;
  {
    auto s = open();
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(s->add_local_scan(local_scan(i)).ok());
    ASSERT_FALSE(s->ack_create(server_scan(2, 1, "alice", *s->device_id())));
    ASSERT_FALSE(s->delete_local(uuid(2)));
    before = outbox_of(*s);
  }
  auto s = open();
  const auto after = outbox_of(*s);
  ASSERT_EQ(after.size(), 5u);  // creates 1, 3, 4, 5, then the remove of 2
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].id, before[i].id);
    EXPECT_EQ(after[i].payload, before[i].payload);
    EXPECT_EQ(after[i].position, before[i].position);
    if (i > 0) {
      EXPECT_LT(after[i - 1].position, after[i].position);
    }
  }
  EXPECT_EQ(after.back().kind, OutboxItem::Kind::remove);
  EXPECT_EQ(after.back().payload, detail::remove_payload(uuid(2)));
  EXPECT_EQ(s->outbox(2)->size(), 2u);
}

TEST_F(DeviceStoreTest, OutboxSurvivesTheAppBeingKilled) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto s = DeviceStore::open(file_, "alice");
    if (!s.ok()) _exit(2);
    for (int i = 1; i <= 3; ++i) {
      if (!(*s)->add_local_scan(local_scan(i)).ok()) _exit(3);
    }
    _exit(0);  // no destructor, no close, no checkpoint
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto s = open();
  EXPECT_EQ(outbox_size(*s), 3u);
  EXPECT_EQ(count(*s), 3u);
}

TEST_F(DeviceStoreTest, TheOutboxHasNoCap) {
  auto s = open();
  for (int i = 1; i <= 1200; ++i) ASSERT_TRUE(s->add_local_scan(local_scan(i)).ok());
  EXPECT_EQ(outbox_size(*s), 1200u);
  EXPECT_EQ(outbox_of(*s).size(), 1000u);  // the default page
  EXPECT_EQ(s->outbox(5000)->front().id, uuid(1));
}

TEST_F(DeviceStoreTest, DeleteBeforeAckCancelsTheCreate) {
  auto s = open();
  ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
  ASSERT_FALSE(s->delete_local(uuid(1)));
  EXPECT_EQ(count(*s), 0u);
  EXPECT_EQ(outbox_size(*s), 0u);  // nothing to send
  EXPECT_EQ(s->delete_local(uuid(1)), errc::not_found);
  EXPECT_EQ(s->add_local_scan(local_scan(1)).error(), errc::deleted);
}

TEST_F(DeviceStoreTest, AnAckOfACancelledCreateQueuesARemove) {
  // The create was sent, then the user deleted the scan, then the ack came:
  // the server has a scan the user deleted.
  auto s = open();
  auto stored = s->add_local_scan(local_scan(1));
  ASSERT_FALSE(s->delete_local(uuid(1)));
  Scan acked = *stored;
  acked.seq = 4;
  acked.synced = true;
  ASSERT_FALSE(s->ack_create(acked));
  EXPECT_EQ(count(*s), 0u);
  auto items = outbox_of(*s);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, OutboxItem::Kind::remove);
  // Its broadcast too, then the ack of the remove and the server's delete.
  ASSERT_FALSE(s->apply({created(acked)}, Cursor{4, "e"}));
  EXPECT_EQ(outbox_size(*s), 1u);
  EXPECT_EQ(count(*s), 0u);
  ASSERT_FALSE(s->ack_remove(uuid(1), 5));
  ASSERT_FALSE(s->apply({deleted(1, 5)}, Cursor{5, "e"}));
  EXPECT_EQ(outbox_size(*s), 0u);
  EXPECT_EQ(count(*s), 0u);
}

TEST_F(DeviceStoreTest, DeleteAfterAckQueuesARemoveAndKeepsATombstone) {
  auto s = open();
  ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
  const Scan acked = server_scan(1, 7, "alice", *s->device_id());
  ASSERT_FALSE(s->ack_create(acked));
  auto row = s->scan(uuid(1));
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_TRUE((*row)->synced);
  EXPECT_EQ((*row)->seq, 7);
  EXPECT_EQ(outbox_size(*s), 0u);
  ASSERT_FALSE(s->ack_create(acked));  // a second ack: nothing changes
  EXPECT_EQ(outbox_size(*s), 0u);

  ASSERT_FALSE(s->delete_local(uuid(1)));
  EXPECT_EQ(count(*s), 0u);
  auto items = outbox_of(*s);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].kind, OutboxItem::Kind::remove);
  EXPECT_EQ(items[0].payload, R"({"id":")" + uuid(1) + R"("})");
  // The create's broadcast, late: still deleted, and no second remove.
  ASSERT_FALSE(s->apply({created(acked)}, Cursor{7, "e"}));
  EXPECT_EQ(count(*s), 0u);
  EXPECT_EQ(outbox_size(*s), 1u);
  ASSERT_FALSE(s->ack_remove(uuid(1), 8));
  EXPECT_EQ(outbox_size(*s), 0u);
  ASSERT_FALSE(s->ack_remove(uuid(1)));  // idempotent
  // A replay of the create after the ack: the confirmed tombstone holds.
  ASSERT_FALSE(s->apply({created(acked)}, Cursor{7, "e"}));
  EXPECT_EQ(count(*s), 0u);
  EXPECT_EQ(outbox_size(*s), 0u);
}

TEST_F(DeviceStoreTest, AckOfAnotherUsersScanIsRefused) {
  auto s = open();
  ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
  EXPECT_EQ(s->ack_create(server_scan(1, 1, "bob")), errc::wrong_user);
  EXPECT_EQ(outbox_size(*s), 1u);
}

}  // namespace
}  // namespace scansync::device

namespace scansync::device {
namespace {

using namespace testing;

TEST_F(DeviceStoreTest, OutboxPositionsAreNeverReused) {
  auto s = open();
  ASSERT_TRUE(s->add_local_scan(local_scan(1)).ok());
  ASSERT_TRUE(s->add_local_scan(local_scan(2)).ok());
  const std::int64_t newest = s->outbox()->back().position;
  ASSERT_FALSE(s->ack_create(server_scan(2, 1, "alice", *s->device_id())));  // the newest item goes
  ASSERT_TRUE(s->add_local_scan(local_scan(3)).ok());
  EXPECT_GT(s->outbox()->back().position, newest);
}

TEST_F(DeviceStoreTest, CheckpointEmptiesTheWalAndKeepsTheData) {
  auto s = open();
  for (int i = 1; i <= 50; ++i) ASSERT_TRUE(s->add_local_scan(local_scan(i)).ok());
  const auto wal = std::filesystem::path(file_.string() + "-wal");
  ASSERT_GT(std::filesystem::file_size(wal), 0u);
  ASSERT_FALSE(s->checkpoint());
  EXPECT_EQ(std::filesystem::file_size(wal), 0u);
  EXPECT_EQ(count(*s), 50u);
  s.reset();
  EXPECT_EQ(count(*open()), 50u);
}

}  // namespace
}  // namespace scansync::device
