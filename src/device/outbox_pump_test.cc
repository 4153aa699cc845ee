#include "device/outbox_pump.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "device/device_store_test_util.h"
#include "scansync/client/types.h"

namespace scansync::device {
namespace {

using testing::local_scan;
using testing::uuid;

struct Sent {
  std::string event, args;
  client::AckHandler ack;
};

class OutboxPumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = DeviceStore::open(dir / "device.db", "alice");
    ASSERT_TRUE(opened) << opened.error().message();
    store = std::move(*opened);
    pump = std::make_unique<OutboxPump>(
        *store,
        [this](std::string_view event, std::string args, client::AckHandler ack) {
          sent.push_back({std::string(event), std::move(args), std::move(ack)});
        },
        [this] { return now; }, OutboxPump::Options{3, client::Millis(1000), client::Millis(30000)});
    pump->on_error([this](std::string_view code, std::string_view, std::string_view) { errors.emplace_back(code); });
    pump->on_change([this] { ++changes; });
  }
  void add(int n) { ASSERT_TRUE(store->add_local_scan(local_scan(n))); }
  // The server's answer to sent[i].
  void answer(std::size_t i, const std::string& reply) {
    std::vector<std::string_view> args{reply};
    auto ack = std::move(sent.at(i).ack);
    ack({}, args);
  }
  void fail(std::size_t i, client::errc e) {
    auto ack = std::move(sent.at(i).ack);
    ack(make_error_code(e), {});
  }
  std::string stored(int n, int seq) {
    return R"({"ok":true,"scan":{"id":")" + uuid(n) + R"(","userId":"alice","code":"code-)" + std::to_string(n) +
           R"(","format":"qr","deviceId":"dev","createdAt":"2026-01-01T00:00:00.000Z","seq":)" + std::to_string(seq) + "}}";
  }
  std::size_t outbox_size() { return *store->outbox_size(); }

  test_support::TempDir dir{"outbox-pump"};
  std::unique_ptr<DeviceStore> store;
  std::unique_ptr<OutboxPump> pump;
  client::TimePoint now{};
  std::vector<Sent> sent;
  std::vector<std::string> errors;
  int changes = 0;
};

TEST_F(OutboxPumpTest, NothingIsSentBeforeTheConnection) {
  add(1);
  pump->pump();
  EXPECT_TRUE(sent.empty());
  pump->connected();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event, "scan:create");
  EXPECT_NE(sent[0].args.find(uuid(1)), std::string::npos);
  EXPECT_EQ(sent[0].args.front(), '[');
}

TEST_F(OutboxPumpTest, SendsInOrderWithABoundedWindowAndAcksMarkRowsSynced) {
  for (int n = 1; n <= 5; ++n) add(n);
  pump->connected();
  ASSERT_EQ(sent.size(), 3u);  // the window
  EXPECT_NE(sent[0].args.find(uuid(1)), std::string::npos);
  EXPECT_NE(sent[2].args.find(uuid(3)), std::string::npos);
  answer(0, stored(1, 1));
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_NE(sent[3].args.find(uuid(4)), std::string::npos);
  answer(1, stored(2, 2));
  answer(2, stored(3, 3));
  answer(3, stored(4, 4));
  answer(4, stored(5, 5));
  EXPECT_EQ(outbox_size(), 0u);
  EXPECT_EQ(changes, 5);
  auto row = *store->scan(uuid(1));
  ASSERT_TRUE(row);
  EXPECT_TRUE(row->synced);
  EXPECT_EQ(row->seq, 1);
}

TEST_F(OutboxPumpTest, ALocalScanWhileConnectedGoesAtOnce) {
  pump->connected();
  add(1);
  pump->pump();
  ASSERT_EQ(sent.size(), 1u);
  pump->pump();  // already in flight: not sent twice
  EXPECT_EQ(sent.size(), 1u);
}

TEST_F(OutboxPumpTest, ADeleteIsSentAndNotFoundCountsAsDone) {
  add(1);
  pump->connected();
  answer(0, stored(1, 1));
  ASSERT_FALSE(store->delete_local(uuid(1)));
  pump->pump();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].event, "scan:delete");
  EXPECT_EQ(sent[1].args, "[{\"id\":\"" + uuid(1) + "\"}]");
  answer(1, R"({"ok":false,"error":"not_found"})");
  EXPECT_EQ(outbox_size(), 0u);
  EXPECT_TRUE(errors.empty());
}

TEST_F(OutboxPumpTest, AnInvalidCreateIsDroppedAndReported) {
  add(1);
  add(2);
  pump->connected();
  answer(0, R"({"ok":false,"error":"invalid","detail":"bad format"})");
  EXPECT_EQ(errors, (std::vector<std::string>{"invalid"}));
  EXPECT_EQ(outbox_size(), 1u);
  EXPECT_FALSE(*store->scan(uuid(1)));
  EXPECT_EQ(sent.size(), 2u);  // the next one is not held back
}

TEST_F(OutboxPumpTest, RetryableErrorsKeepTheItemAndPauseWithABackoff) {
  std::vector<client::TimePoint> pauses;  // what the host's timer is told
  pump->on_pause([&] { pauses.push_back(*pump->retry_at()); });
  add(1);
  pump->connected();
  answer(0, R"({"ok":false,"error":"rate_limited"})");
  EXPECT_EQ(outbox_size(), 1u);
  ASSERT_TRUE(pump->retry_at());
  EXPECT_EQ(pauses, (std::vector<client::TimePoint>{now + client::Millis(1000)}));
  EXPECT_EQ(*pump->retry_at(), now + client::Millis(1000));
  pump->pump();
  EXPECT_EQ(sent.size(), 1u);  // paused
  now += client::Millis(1000);
  pump->on_timer();
  ASSERT_EQ(sent.size(), 2u);
  answer(1, R"({"ok":false,"error":"unavailable"})");
  EXPECT_EQ(*pump->retry_at(), now + client::Millis(2000));  // doubled
  EXPECT_EQ(pauses.size(), 2u);
  EXPECT_EQ(pauses.back(), now + client::Millis(2000));
  now += client::Millis(2000);
  pump->on_timer();
  answer(2, stored(1, 1));
  EXPECT_EQ(outbox_size(), 0u);
  EXPECT_FALSE(pump->retry_at());
  EXPECT_EQ(errors, (std::vector<std::string>{"rate_limited", "unavailable"}));
}

TEST_F(OutboxPumpTest, ALostConnectionKeepsItemsForTheNextConnect) {
  add(1);
  pump->connected();
  pump->disconnected();
  fail(0, client::errc::connection_lost);
  EXPECT_EQ(outbox_size(), 1u);
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(pump->retry_at());
  pump->connected();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].args, sent[0].args);
}

TEST_F(OutboxPumpTest, AnAnswerFromAnEarlierConnectionStillSettlesTheItem) {
  add(1);
  pump->connected();
  pump->disconnected();
  pump->connected();  // sent again
  answer(0, stored(1, 1));  // the first send's ack, late
  EXPECT_EQ(outbox_size(), 0u);
  answer(1, stored(1, 1));  // the second: idempotent
  EXPECT_EQ(outbox_size(), 0u);
  EXPECT_TRUE(errors.empty());
}

TEST_F(OutboxPumpTest, AnAckWithoutAScanKeepsTheItem) {
  add(1);
  pump->connected();
  answer(0, R"({"ok":true})");
  EXPECT_EQ(errors, (std::vector<std::string>{"bad_ack"}));
  EXPECT_EQ(outbox_size(), 1u);
  EXPECT_TRUE(pump->retry_at());
}

TEST_F(OutboxPumpTest, ADeleteWhileTheCreateIsInFlightBecomesARemoveAfterTheAck) {
  add(1);
  pump->connected();
  ASSERT_FALSE(store->delete_local(uuid(1)));  // cancels the unacked create locally
  answer(0, stored(1, 1));                     // but the server has it
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].event, "scan:delete");
  answer(1, R"({"ok":true,"seq":2})");
  EXPECT_EQ(outbox_size(), 0u);
}

}  // namespace
}  // namespace scansync::device
