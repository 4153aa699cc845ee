// The ScanRepository conformance suite: one set of cases, run against every
// engine (SQLite in a temporary file, PostgreSQL on a server this binary
// starts). A case that holds for one engine and not the other is a bug in
// that engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "scans/scan_repository_test_util.h"

namespace scansync::scans {
namespace {

using testing::describe;
using testing::scan;

// The result as a T, or a test failure naming what came instead. (Not named
// `get`: argument-dependent lookup would pick std::get, which throws.)
template <class T>
T expect_result(const OperationResult& r) {
  const T* p = std::get_if<T>(&r);
  EXPECT_NE(p, nullptr) << describe(r);
  return p ? *p : T{};
}

std::optional<RepositoryErrc> error_of(const OperationResult& r) {
  const auto* e = std::get_if<RepositoryError>(&r);
  return e ? std::optional(e->code) : std::nullopt;
}

class ScanRepositoryConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    engine_ = testing::make_engine(GetParam());
    if (auto why = engine_->unavailable_reason(); !why.empty()) {
      if (engine_->absent()) GTEST_SKIP() << GetParam() << " skipped: " << why;
      FAIL() << GetParam() << " cannot run: " << why;
    }
    storage_ = engine_->new_storage();
    ASSERT_FALSE(storage_.empty());
  }

  std::unique_ptr<ScanRepository> open(RepositoryOptions o = {}) { return engine_->open(storage_, o, io_); }
  BatchResult batch(ScanRepository& r, std::vector<Operation> ops) {
    return testing::run_batch(io_, r, std::move(ops));
  }
  OperationResult one(ScanRepository& r, Operation op) {
    auto b = batch(r, {std::move(op)});
    return b.results.empty() ? OperationResult{} : std::move(b.results[0]);
  }
  Created create(ScanRepository& r, const std::string& user, const std::string& id,
                 const std::string& code = "4006381333931") {
    return expect_result<Created>(one(r, CreateScan{user, scan(id, code)}));
  }
  std::int64_t create_seq(ScanRepository& r, const std::string& user, const std::string& id) {
    auto c = create(r, user, id);
    EXPECT_FALSE(c.existing) << id;
    return c.scan.seq;
  }
  std::int64_t delete_seq(ScanRepository& r, const std::string& user, const std::string& id, std::int64_t now = 1000) {
    auto d = expect_result<Removed>(one(r, RemoveScan{user, id, now}));
    EXPECT_FALSE(d.already_deleted) << id;
    return d.tombstone.deleted_seq.value_or(-1);
  }
  ChangePage changes(ScanRepository& r, const std::string& user, std::int64_t since, std::size_t limit = 1000,
                     std::size_t max_bytes = kNoByteLimit) {
    return expect_result<ChangePage>(one(r, ChangesSince{user, since, limit, max_bytes}));
  }
  LivePage live(ScanRepository& r, const std::string& user, std::optional<std::int64_t> before = std::nullopt,
                std::size_t limit = 1000, std::size_t max_bytes = kNoByteLimit) {
    return expect_result<LivePage>(one(r, ListLive{user, before, limit, max_bytes}));
  }
  std::int64_t latest(ScanRepository& r, const std::string& user) { return expect_result<Latest>(one(r, LatestSeq{user})).latest_seq; }

  boost::asio::io_context io_;
  std::unique_ptr<testing::Engine> engine_;
  std::string storage_;
};

TEST_P(ScanRepositoryConformance, CreateAnswersTheStoredScanWithTheUsersNextSeq) {
  auto repo = open();
  auto c = expect_result<Created>(one(*repo, CreateScan{"alice", NewScan{"id-1", "hello", "qr", "phone", "2026-01-01T00:00:00.000Z"}}));
  EXPECT_FALSE(c.existing);
  const StoredScan expected{"alice", "id-1", "hello", "qr", "phone", "2026-01-01T00:00:00.000Z", 1, {}, {}};
  EXPECT_EQ(c.scan, expected);
  EXPECT_EQ(create_seq(*repo, "alice", "id-2"), 2);
  EXPECT_EQ(latest(*repo, "alice"), 2);
  EXPECT_EQ(latest(*repo, "nobody"), 0);
}

TEST_P(ScanRepositoryConformance, SameIdAgainIsExistingAndTakesNoSeq) {
  auto repo = open();
  ASSERT_EQ(create_seq(*repo, "alice", "a"), 1);
  auto again = create(*repo, "alice", "a", "different code");
  EXPECT_TRUE(again.existing);
  EXPECT_EQ(again.scan.seq, 1);
  EXPECT_EQ(again.scan.code, "4006381333931");  // the stored one wins
  EXPECT_EQ(create_seq(*repo, "alice", "b"), 2);
  EXPECT_EQ(latest(*repo, "alice"), 2);
}

TEST_P(ScanRepositoryConformance, CreatingADeletedIdAnswersItsTombstone) {
  auto repo = open();
  create_seq(*repo, "alice", "a");
  ASSERT_EQ(delete_seq(*repo, "alice", "a", 777), 2);
  auto c = create(*repo, "alice", "a");
  EXPECT_TRUE(c.existing);
  EXPECT_EQ(c.scan.seq, 1);
  EXPECT_EQ(c.scan.deleted_seq, 2);
  EXPECT_EQ(c.scan.deleted_at_ms, 777);
  EXPECT_EQ(latest(*repo, "alice"), 2);
}

TEST_P(ScanRepositoryConformance, DeleteTakesASeqOnceAndUnknownIdsAreNotFound) {
  auto repo = open();
  create_seq(*repo, "alice", "a");
  auto first = expect_result<Removed>(one(*repo, RemoveScan{"alice", "a", 111}));
  auto second = expect_result<Removed>(one(*repo, RemoveScan{"alice", "a", 222}));
  EXPECT_FALSE(first.already_deleted);
  EXPECT_TRUE(second.already_deleted);
  EXPECT_EQ(first.tombstone.deleted_seq, 2);
  EXPECT_EQ(second.tombstone.deleted_seq, 2);
  EXPECT_EQ(second.tombstone.deleted_at_ms, 111);
  EXPECT_EQ(second.tombstone.code, "4006381333931");
  EXPECT_EQ(error_of(one(*repo, RemoveScan{"alice", "zzz", 5})), RepositoryErrc::not_found);
  EXPECT_EQ(error_of(one(*repo, RemoveScan{"nobody", "a", 5})), RepositoryErrc::not_found);
  EXPECT_EQ(create_seq(*repo, "alice", "b"), 3);  // refusals took no seq
}

TEST_P(ScanRepositoryConformance, QuotaRefusesNewIdsButAnswersExistingOnesAndDeletesFreeIt) {
  auto repo = open(RepositoryOptions{.max_live_scans_per_user = 2});
  create_seq(*repo, "alice", "a");
  create_seq(*repo, "alice", "b");
  EXPECT_EQ(error_of(one(*repo, CreateScan{"alice", scan("c")})), RepositoryErrc::quota_exceeded);
  EXPECT_TRUE(create(*repo, "alice", "a").existing);
  EXPECT_EQ(create_seq(*repo, "bob", "c"), 1);  // per user
  EXPECT_EQ(latest(*repo, "alice"), 2);         // the refusal took no seq
  EXPECT_EQ(delete_seq(*repo, "alice", "a"), 3);
  EXPECT_EQ(create_seq(*repo, "alice", "c"), 4);
}

TEST_P(ScanRepositoryConformance, FeedListsEachScanOnceAtItsLatestChange) {
  auto repo = open();
  create_seq(*repo, "alice", "a");  // 1
  create_seq(*repo, "alice", "b");  // 2
  delete_seq(*repo, "alice", "a");  // 3
  create_seq(*repo, "alice", "c");  // 4
  auto page = changes(*repo, "alice", 0);
  ASSERT_EQ(page.changes.size(), 3u);
  EXPECT_EQ(page.changes[0].id, "b");
  EXPECT_EQ(page.changes[1].id, "a");
  EXPECT_EQ(page.changes[1].change_seq(), 3);
  EXPECT_TRUE(page.changes[1].deleted());
  EXPECT_EQ(page.changes[2].id, "c");
  EXPECT_EQ(page.latest_seq, 4);
  EXPECT_FALSE(page.has_more);
  EXPECT_FALSE(page.epoch.empty());
  auto tail = changes(*repo, "alice", 3);
  ASSERT_EQ(tail.changes.size(), 1u);
  EXPECT_EQ(tail.changes[0].id, "c");
  EXPECT_TRUE(changes(*repo, "alice", 4).changes.empty());
  EXPECT_TRUE(changes(*repo, "nobody", 0).changes.empty());
}

TEST_P(ScanRepositoryConformance, TombstonesBeyondTheLimitArePrunedAndOlderCursorsExpire) {
  auto repo = open(RepositoryOptions{.tombstone_limit = 2});
  for (const char* id : {"a", "b", "c", "d"}) create_seq(*repo, "alice", id);  // 1..4
  delete_seq(*repo, "alice", "a");                                            // 5
  delete_seq(*repo, "alice", "b");                                            // 6
  EXPECT_EQ(changes(*repo, "alice", 0).changes.size(), 4u);                   // nothing pruned yet
  delete_seq(*repo, "alice", "c");  // 7: a's tombstone (5) goes
  EXPECT_EQ(error_of(one(*repo, ChangesSince{"alice", 4})), RepositoryErrc::cursor_expired);
  auto page = changes(*repo, "alice", 5);  // the pruned deletion's own seq is still a valid cursor
  ASSERT_EQ(page.changes.size(), 2u);
  EXPECT_EQ(page.changes[0].id, "b");
  EXPECT_EQ(page.changes[1].id, "c");
  // A pruned id is unknown again.
  EXPECT_EQ(error_of(one(*repo, RemoveScan{"alice", "a", 1})), RepositoryErrc::not_found);
  auto again = create(*repo, "alice", "a");
  EXPECT_FALSE(again.existing);
  EXPECT_EQ(again.scan.seq, 8);
  // Another user's cursors are untouched.
  create_seq(*repo, "bob", "x");
  EXPECT_EQ(changes(*repo, "bob", 0).changes.size(), 1u);
}

TEST_P(ScanRepositoryConformance, ACursorAboveTheLatestSeqExpires) {
  auto repo = open();
  create_seq(*repo, "alice", "a");
  EXPECT_EQ(error_of(one(*repo, ChangesSince{"alice", 2})), RepositoryErrc::cursor_expired);
  EXPECT_EQ(error_of(one(*repo, ChangesSince{"nobody", 1})), RepositoryErrc::cursor_expired);
  EXPECT_TRUE(changes(*repo, "alice", 1).changes.empty());
}

TEST_P(ScanRepositoryConformance, ChangePagesAreBoundedByCountAndBytes) {
  auto repo = open();
  std::vector<Operation> ops;
  for (int i = 0; i < 10; ++i) ops.push_back(CreateScan{"alice", scan("s" + std::to_string(i), std::string(200, 'x'))});
  ops.push_back(CreateScan{"alice", scan("big", std::string(4000, 'y'))});
  for (const auto& r : batch(*repo, std::move(ops)).results) ASSERT_FALSE(error_of(r)) << describe(r);

  auto by_count = changes(*repo, "alice", 0, 4);
  ASSERT_EQ(by_count.changes.size(), 4u);
  EXPECT_TRUE(by_count.has_more);
  EXPECT_EQ(by_count.changes[3].seq, 4);

  // Each small row is about 100 + 200 + texts bytes: three fit in 1000.
  const std::size_t row = wire_size(by_count.changes[0]);
  auto by_bytes = changes(*repo, "alice", 0, 100, 3 * row + row / 2);
  ASSERT_EQ(by_bytes.changes.size(), 3u);
  EXPECT_TRUE(by_bytes.has_more);

  // Walking the pages with the last seq as the cursor gives every change once.
  std::vector<std::string> ids;
  std::int64_t cursor = 0;
  for (int guard = 0; guard < 20; ++guard) {
    auto p = changes(*repo, "alice", cursor, 100, 1000);
    for (const auto& s : p.changes) ids.push_back(s.id);
    if (!p.changes.empty()) cursor = p.changes.back().change_seq();
    if (!p.has_more) break;
  }
  ASSERT_EQ(ids.size(), 11u);
  EXPECT_EQ(ids.back(), "big");  // alone larger than the bound: a page of its own

  auto last = changes(*repo, "alice", 10, 100, 10);
  ASSERT_EQ(last.changes.size(), 1u);
  EXPECT_FALSE(last.has_more);
  EXPECT_EQ(last.changes[0].code.size(), 4000u);
}

TEST_P(ScanRepositoryConformance, LivePagesAreNewestFirstWithoutTombstones) {
  auto repo = open();
  for (int i = 1; i <= 6; ++i) create_seq(*repo, "alice", "s" + std::to_string(i));  // seqs 1..6
  delete_seq(*repo, "alice", "s5");                                                 // 7
  auto first = live(*repo, "alice", std::nullopt, 2);
  ASSERT_EQ(first.scans.size(), 2u);
  EXPECT_EQ(first.scans[0].id, "s6");
  EXPECT_EQ(first.scans[1].id, "s4");
  EXPECT_EQ(first.latest_seq, 7);
  ASSERT_EQ(first.next_before, 4);
  auto second = live(*repo, "alice", first.next_before, 10);
  ASSERT_EQ(second.scans.size(), 3u);
  EXPECT_EQ(second.scans[0].id, "s3");
  EXPECT_EQ(second.scans[2].id, "s1");
  EXPECT_FALSE(second.next_before);
  auto one_row = live(*repo, "alice", std::nullopt, 10, 1);  // the byte bound still lists one
  ASSERT_EQ(one_row.scans.size(), 1u);
  EXPECT_EQ(one_row.next_before, 6);
  EXPECT_TRUE(live(*repo, "nobody").scans.empty());
}

TEST_P(ScanRepositoryConformance, EpochIsKeptAcrossInstancesAndCarriedByEveryPage) {
  std::string epoch;
  {
    auto repo = open();
    epoch = repo->epoch();
    EXPECT_GE(epoch.size(), 16u);
    create_seq(*repo, "alice", "a");
  }
  auto again = open();
  EXPECT_EQ(again->epoch(), epoch);
  EXPECT_EQ(changes(*again, "alice", 0).epoch, epoch);
  EXPECT_EQ(live(*again, "alice").epoch, epoch);
  EXPECT_EQ(expect_result<Latest>(one(*again, LatestSeq{"alice"})).epoch, epoch);

  const std::string other = engine_->new_storage();
  auto fresh = engine_->open(other, {}, io_);
  EXPECT_NE(fresh->epoch(), epoch);  // another store, another history
}

TEST_P(ScanRepositoryConformance, UsersAreIsolated) {
  auto repo = open();
  EXPECT_EQ(create_seq(*repo, "alice", "same-id"), 1);
  EXPECT_EQ(create_seq(*repo, "bob", "same-id"), 1);  // another user's id is another scan
  EXPECT_EQ(create_seq(*repo, "alice", "a2"), 2);
  EXPECT_EQ(delete_seq(*repo, "bob", "same-id"), 2);
  EXPECT_FALSE(create(*repo, "alice", "same-id").scan.deleted());
  auto alice = changes(*repo, "alice", 0);
  ASSERT_EQ(alice.changes.size(), 2u);
  for (const auto& s : alice.changes) EXPECT_EQ(s.user, "alice");
  auto bob = changes(*repo, "bob", 0);
  ASSERT_EQ(bob.changes.size(), 1u);
  EXPECT_TRUE(bob.changes[0].deleted());
  EXPECT_EQ(live(*repo, "bob").scans.size(), 0u);
  EXPECT_EQ(live(*repo, "alice").scans.size(), 2u);
}

TEST_P(ScanRepositoryConformance, AWriteThatFailsInABatchUndoesOnlyItself) {
  auto repo = open(RepositoryOptions{.max_live_scans_per_user = 3});
  auto b = batch(*repo, {
                            CreateScan{"alice", scan("a")},
                            CreateScan{"alice", scan("nul", std::string("x\0y", 3))},
                            CreateScan{"alice", scan("c")},
                            RemoveScan{"alice", "zzz", 1},
                            ChangesSince{"alice", 0},  // sees the batch's own writes
                            CreateScan{"", scan("no-user")},
                            CreateScan{"alice", scan("d")},
                            CreateScan{"alice", scan("e")},
                            CreateScan{"alice", scan("\xff\xfe")},
                            LatestSeq{"alice"},
                        });
  ASSERT_EQ(b.results.size(), 10u);
  EXPECT_EQ(expect_result<Created>(b.results[0]).scan.seq, 1);
  EXPECT_EQ(error_of(b.results[1]), RepositoryErrc::invalid);
  EXPECT_EQ(expect_result<Created>(b.results[2]).scan.seq, 2);
  EXPECT_EQ(error_of(b.results[3]), RepositoryErrc::not_found);
  EXPECT_EQ(expect_result<ChangePage>(b.results[4]).changes.size(), 2u);
  EXPECT_EQ(expect_result<ChangePage>(b.results[4]).latest_seq, 2);
  EXPECT_EQ(error_of(b.results[5]), RepositoryErrc::invalid);
  EXPECT_EQ(expect_result<Created>(b.results[6]).scan.seq, 3);
  EXPECT_EQ(error_of(b.results[7]), RepositoryErrc::quota_exceeded);
  EXPECT_EQ(error_of(b.results[8]), RepositoryErrc::invalid);
  EXPECT_EQ(expect_result<Latest>(b.results[9]).latest_seq, 3);

  auto page = changes(*repo, "alice", 0);
  ASSERT_EQ(page.changes.size(), 3u);
  EXPECT_EQ(page.changes[0].id, "a");
  EXPECT_EQ(page.changes[1].id, "c");
  EXPECT_EQ(page.changes[2].id, "d");
}

TEST_P(ScanRepositoryConformance, ABatchKeepsEachUsersOrderAndAnswersInSubmitOrder) {
  auto repo = open();
  auto b = batch(*repo, {
                            CreateScan{"zoe", scan("z1")},
                            CreateScan{"alice", scan("a1")},
                            RemoveScan{"zoe", "z1", 9},
                            CreateScan{"alice", scan("a2")},
                            CreateScan{"zoe", scan("z1")},  // after its delete: the tombstone
                            ChangesSince{"zoe", 0},
                        });
  EXPECT_EQ(expect_result<Created>(b.results[0]).scan.seq, 1);
  EXPECT_EQ(expect_result<Created>(b.results[1]).scan.id, "a1");
  EXPECT_EQ(expect_result<Removed>(b.results[2]).tombstone.deleted_seq, 2);
  EXPECT_EQ(expect_result<Created>(b.results[3]).scan.seq, 2);
  EXPECT_TRUE(expect_result<Created>(b.results[4]).existing);
  EXPECT_TRUE(expect_result<Created>(b.results[4]).scan.deleted());
  EXPECT_EQ(expect_result<ChangePage>(b.results[5]).latest_seq, 2);
}

// Two repositories on one store ("nodes"), batches in flight on both at
// once, both writing for the same users (in opposite orders, which would
// deadlock two nodes that locked users in batch order) and sharing some ids.
TEST_P(ScanRepositoryConformance, TwoNodesCreatingForOneUserKeepSeqGaplessAndIdsUnique) {
  auto node_a = open();
  auto node_b = open();
  std::map<std::string, int> created;  // id → how often answered as created
  std::vector<std::int64_t> alice_seqs;
  int answered = 0;
  constexpr int kRounds = 10;
  auto on_done = [&](const std::vector<Operation>& ops) {
    return [&, ops](BatchResult r) {
      ++answered;
      ASSERT_EQ(r.results.size(), ops.size());
      for (std::size_t i = 0; i < ops.size(); ++i) {
        auto c = expect_result<Created>(r.results[i]);
        const auto& op = std::get<CreateScan>(ops[i]);
        if (!c.existing) {
          ++created[op.user + "/" + op.scan.id];
          if (op.user == "alice") alice_seqs.push_back(c.scan.seq);
        }
      }
    };
  };
  for (int round = 0; round < kRounds; ++round) {
    const std::string n = std::to_string(round);
    std::vector<Operation> a{CreateScan{"alice", scan("a" + n)}, CreateScan{"alice", scan("shared" + n)},
                             CreateScan{"bob", scan("b" + n)}};
    std::vector<Operation> b{CreateScan{"bob", scan("c" + n)}, CreateScan{"alice", scan("shared" + n)},
                             CreateScan{"alice", scan("d" + n)}};
    node_a->submit(a, on_done(a));
    node_b->submit(b, on_done(b));
  }
  ASSERT_TRUE(testing::run_until(io_, [&] { return answered == 2 * kRounds; }));
  for (const auto& [id, times] : created) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(created.size(), static_cast<std::size_t>(kRounds * 5));
  std::sort(alice_seqs.begin(), alice_seqs.end());
  ASSERT_EQ(alice_seqs.size(), static_cast<std::size_t>(kRounds * 3));
  for (std::size_t i = 0; i < alice_seqs.size(); ++i) EXPECT_EQ(alice_seqs[i], static_cast<std::int64_t>(i + 1));
  auto feed = changes(*node_b, "alice", 0);
  EXPECT_EQ(feed.changes.size(), alice_seqs.size());
  EXPECT_EQ(feed.latest_seq, kRounds * 3);
  EXPECT_EQ(latest(*node_a, "bob"), kRounds * 2);
}

// The server stops while creates stream in, and starts again: nothing is
// acked that was not committed, and the same repository serves again.
TEST_P(ScanRepositoryConformance, ServerStoppedMidRunAcksOnlyCommitsAndServesAgainWhenBack) {
  if (!engine_->has_server()) GTEST_SKIP() << GetParam() << ": an embedded store has no server to stop";
  auto repo = open();
  std::map<std::string, std::int64_t> acked;  // id → seq
  std::set<std::string> unknown;              // answered unavailable: committed or not
  int next_id = 0, in_flight = 0;
  bool keep_going = true;
  std::function<void()> submit_more = [&] {
    std::vector<Operation> ops;
    for (int i = 0; i < 4; ++i) ops.push_back(CreateScan{"alice", scan("s" + std::to_string(next_id++))});
    ++in_flight;
    repo->submit(ops, [&, ops](BatchResult r) {
      --in_flight;
      for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto& id = std::get<CreateScan>(ops[i]).scan.id;
        if (const auto* c = std::get_if<Created>(&r.results[i])) {
          acked[id] = c->scan.seq;
        } else {
          EXPECT_EQ(error_of(r.results[i]), RepositoryErrc::unavailable) << describe(r.results[i]);
          unknown.insert(id);
        }
      }
      if (keep_going && unknown.empty()) submit_more();
    });
  };
  submit_more();
  submit_more();
  ASSERT_TRUE(testing::run_until(io_, [&] { return acked.size() >= 40; }));

  std::atomic<bool> stopped{false};
  std::thread stopper([&] { stopped = engine_->stop_server(); });
  const bool failed_over = testing::run_until(io_, [&] { return !unknown.empty() && in_flight == 0; });
  keep_going = false;
  stopper.join();
  ASSERT_TRUE(stopped.load());
  ASSERT_TRUE(failed_over);
  ASSERT_TRUE(testing::run_until(io_, [&] { return !repo->status().available; }));
  EXPECT_TRUE(repo->status().last_error.has_value());
  EXPECT_EQ(error_of(one(*repo, CreateScan{"alice", scan("while-down")})), RepositoryErrc::unavailable);

  ASSERT_TRUE(engine_->start_server());
  ASSERT_TRUE(testing::run_until(io_, [&] { return repo->status().available; }));
  EXPECT_GE(repo->status().reconnects, 1u);

  // Every ack is in the store with its seq; the rest is there or not, and a
  // retry (idempotent by id) settles it.
  auto feed = changes(*repo, "alice", 0, 1000);
  std::map<std::string, std::int64_t> stored;
  for (const auto& s : feed.changes) stored[s.id] = s.seq;
  for (const auto& [id, seq] : acked) EXPECT_EQ(stored[id], seq) << id << " was acked but is not stored";
  for (const auto& id : unknown) create(*repo, "alice", id);
  create(*repo, "alice", "while-down");
  auto all = changes(*repo, "alice", 0, 1000);
  ASSERT_EQ(all.changes.size(), acked.size() + unknown.size() + 1);
  for (std::size_t i = 0; i < all.changes.size(); ++i) EXPECT_EQ(all.changes[i].seq, static_cast<std::int64_t>(i + 1));
}

INSTANTIATE_TEST_SUITE_P(Engines, ScanRepositoryConformance, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scansync::scans
