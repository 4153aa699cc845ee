// ScanView against the truth: every case is checked against the newest rows
// and count computed from the full set of live scans.
#include "device/scan_view.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace scansync::device::detail {
namespace {

using Kind = RowChange::Kind;

Scan row(int n, int minute, std::int64_t seq = 0) {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
  char at[40];
  std::snprintf(at, sizeof at, "2026-01-01T%02d:%02d:00.000Z", minute / 60, minute % 60);
  Scan s;
  s.id = id;
  s.user_id = "alice";
  s.code = "code-" + std::to_string(n);
  s.format = "qr";
  s.device_id = "phone";
  s.created_at = at;
  s.seq = seq;
  s.synced = seq != 0;
  return s;
}

// The live rows the view stands for, and the view kept beside them.
class ScanViewTest : public ::testing::Test {
 protected:
  std::map<std::string, Scan> live;
  ScanView view{"alice"};

  std::vector<Scan> newest(std::size_t limit) const {
    std::vector<Scan> all;
    for (const auto& [id, s] : live) all.push_back(s);
    std::sort(all.begin(), all.end(), newer);
    if (all.size() > limit) all.resize(limit);
    return all;
  }
  void load(std::size_t limit) {
    view.set_count(live.size());
    view.set_rows(limit, newest(limit));
  }
  // Applies changes to `live` the way the store would report them, then to the view.
  void commit(std::vector<Scan>& keep, const std::vector<std::pair<Kind, int>>& ops) {
    std::vector<RowChange> changes;
    for (const auto& [kind, idx] : ops) {
      if (kind == Kind::removed) {
        changes.push_back({kind, nullptr, false, keep[idx].id});
        live.erase(keep[idx].id);
      } else {
        changes.push_back({kind, &keep[idx], true, {}});
        Scan s = keep[idx];
        s.synced = true;
        live[s.id] = s;
      }
    }
    view.apply(changes);
  }
  // The view, when it claims to know, says exactly the truth.
  void expect_truth(std::size_t limit, bool rows_known) {
    ASSERT_TRUE(view.count());
    EXPECT_EQ(*view.count(), live.size());
    const auto* rows = view.rows(limit);
    ASSERT_EQ(rows != nullptr, rows_known);
    if (rows) {
      EXPECT_EQ(*rows, newest(limit));
    }
  }
};

TEST_F(ScanViewTest, NewRowsAreMergedAndTrimmed) {
  std::vector<Scan> rows;
  for (int i = 0; i < 10; ++i) rows.push_back(row(i, i, i + 1));
  for (int i = 0; i < 5; ++i) live[rows[i].id] = rows[i];
  load(4);
  // Newer and older than the view's last row, interleaved.
  commit(rows, {{Kind::inserted, 7}, {Kind::inserted, 5}, {Kind::inserted, 9}, {Kind::inserted, 6}});
  expect_truth(4, true);
}

TEST_F(ScanViewTest, AnOlderRowThanTheViewsLastStaysOut) {
  std::vector<Scan> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(row(i, 10 + i, i + 1));
  rows.push_back(row(100, 0, 7));  // older than all
  for (int i = 0; i < 6; ++i) live[rows[i].id] = rows[i];
  load(3);
  commit(rows, {{Kind::inserted, 6}});
  expect_truth(3, true);
}

TEST_F(ScanViewTest, APageLargerThanTheView) {
  std::vector<Scan> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(row(i, (i * 7) % 40, i + 1));  // created_at out of seq order
  for (int i = 0; i < 3; ++i) live[rows[i].id] = rows[i];
  load(5);
  std::vector<std::pair<Kind, int>> ops;
  for (int i = 3; i < 40; ++i) ops.push_back({Kind::inserted, i});
  commit(rows, ops);
  expect_truth(5, true);
}

TEST_F(ScanViewTest, DeletingAnUnseenRowKeepsTheRows) {
  std::vector<Scan> rows;
  for (int i = 0; i < 8; ++i) rows.push_back(row(i, i, i + 1));
  for (auto& s : rows) live[s.id] = s;
  load(3);
  commit(rows, {{Kind::removed, 0}, {Kind::removed, 2}});  // the oldest: not in the view
  expect_truth(3, true);
}

TEST_F(ScanViewTest, DeletingAVisibleRowWithUnseenRowsAsksForARead) {
  std::vector<Scan> rows;
  for (int i = 0; i < 8; ++i) rows.push_back(row(i, i, i + 1));
  for (auto& s : rows) live[s.id] = s;
  load(3);
  commit(rows, {{Kind::removed, 7}});  // the newest
  expect_truth(3, false);
  load(3);
  expect_truth(3, true);
}

TEST_F(ScanViewTest, DeletingAVisibleRowIsCoveredByNewerInserts) {
  std::vector<Scan> rows;
  for (int i = 0; i < 10; ++i) rows.push_back(row(i, i, i + 1));
  for (int i = 0; i < 6; ++i) live[rows[i].id] = rows[i];
  load(3);
  commit(rows, {{Kind::removed, 5}, {Kind::inserted, 8}, {Kind::inserted, 9}});
  expect_truth(3, true);
}

TEST_F(ScanViewTest, DeletingWhenEveryRowIsVisible) {
  std::vector<Scan> rows;
  for (int i = 0; i < 4; ++i) rows.push_back(row(i, i, i + 1));
  for (auto& s : rows) live[s.id] = s;
  load(10);
  commit(rows, {{Kind::removed, 3}, {Kind::removed, 0}});
  expect_truth(10, true);
}

TEST_F(ScanViewTest, ACreateThenDeleteInOneBatchLeavesNothing) {
  std::vector<Scan> rows;
  for (int i = 0; i < 5; ++i) rows.push_back(row(i, i, i + 1));
  for (int i = 0; i < 3; ++i) live[rows[i].id] = rows[i];
  load(10);
  commit(rows, {{Kind::inserted, 4}, {Kind::removed, 4}, {Kind::inserted, 3}});
  expect_truth(10, true);
  EXPECT_EQ(*view.count(), 4u);
}

TEST_F(ScanViewTest, AnUpdateIsOneRowNotTwo) {
  std::vector<Scan> rows;
  for (int i = 0; i < 4; ++i) rows.push_back(row(i, i));  // local, unsynced
  for (auto& s : rows) live[s.id] = s;
  load(10);
  std::vector<Scan> acked = rows;
  acked[2].seq = 9;
  commit(acked, {{Kind::updated, 2}, {Kind::updated, 2}});
  expect_truth(10, true);
  EXPECT_EQ((*view.rows(10))[1].seq, 9);
  EXPECT_TRUE((*view.rows(10))[1].synced);
}

TEST_F(ScanViewTest, AnUpdateThatMovesAVisibleRowBelowUnseenRowsAsksForARead) {
  std::vector<Scan> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(row(i, 10 + i));
  for (auto& s : rows) live[s.id] = s;
  load(3);
  std::vector<Scan> moved = rows;
  moved[5].created_at = "2026-01-01T00:00:00.000Z";  // the newest becomes the oldest
  commit(moved, {{Kind::updated, 5}});
  expect_truth(3, false);
}

TEST_F(ScanViewTest, AnUpdateThatBringsAnUnseenRowIntoTheView) {
  std::vector<Scan> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(row(i, 10 + i));
  for (auto& s : rows) live[s.id] = s;
  load(3);
  std::vector<Scan> moved = rows;
  moved[0].created_at = "2026-01-01T23:00:00.000Z";  // the oldest becomes the newest
  commit(moved, {{Kind::updated, 0}});
  expect_truth(3, true);
}

TEST_F(ScanViewTest, TiesOnCreatedAtAreOrderedById) {
  std::vector<Scan> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(row(i, 5));
  for (int i = 0; i < 3; ++i) live[rows[i * 2].id] = rows[i * 2];
  load(4);
  commit(rows, {{Kind::inserted, 5}, {Kind::inserted, 1}, {Kind::inserted, 3}});
  expect_truth(4, true);
}

TEST_F(ScanViewTest, ForgetDropsCountAndRows) {
  std::vector<Scan> rows{row(1, 1, 1)};
  live[rows[0].id] = rows[0];
  load(5);
  view.forget();
  EXPECT_FALSE(view.count());
  EXPECT_EQ(view.rows(5), nullptr);
  // Without a count, a batch teaches nothing: still unknown.
  rows.push_back(row(2, 2, 2));
  commit(rows, {{Kind::inserted, 1}});
  EXPECT_FALSE(view.count());
  EXPECT_EQ(view.rows(5), nullptr);
}

TEST_F(ScanViewTest, RowsAreKeptPerLimit) {
  std::vector<Scan> rows{row(1, 1, 1)};
  live[rows[0].id] = rows[0];
  load(5);
  EXPECT_EQ(view.rows(4), nullptr);
  EXPECT_NE(view.rows(5), nullptr);
}

TEST_F(ScanViewTest, MoreRemovedThanLiveIsNotBelieved) {
  std::vector<Scan> rows{row(1, 1, 1), row(2, 2, 2)};
  live[rows[0].id] = rows[0];
  load(5);
  std::vector<RowChange> changes{{Kind::removed, nullptr, false, rows[0].id}, {Kind::removed, nullptr, false, rows[1].id}};
  view.apply(changes);
  EXPECT_FALSE(view.count());
}

// Many random batches against the truth; the view re-reads only when it says so.
TEST_F(ScanViewTest, RandomBatchesMatchTheTruth) {
  std::uint32_t seed = 12345;
  const auto next = [&] { return seed = seed * 1103515245u + 12345u, (seed >> 8) % 1000; };
  std::vector<Scan> pool;
  for (int i = 0; i < 300; ++i) pool.push_back(row(i, static_cast<int>(next() % 600), i + 1));
  load(20);
  int reads = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<std::pair<Kind, int>> ops;
    const int n = 1 + static_cast<int>(next() % 30);
    std::map<std::string, bool> present;
    for (const auto& [id, s] : live) present[id] = true;
    for (int k = 0; k < n; ++k) {
      const int idx = static_cast<int>(next() % pool.size());
      const bool there = present[pool[idx].id];
      if (there && next() % 3 == 0) {
        pool[idx].created_at = row(0, static_cast<int>(next() % 600)).created_at;
        ops.push_back({Kind::updated, idx});
      } else if (there) {
        ops.push_back({Kind::removed, idx});
        present[pool[idx].id] = false;
      } else {
        ops.push_back({Kind::inserted, idx});
        present[pool[idx].id] = true;
      }
    }
    std::vector<Scan> snapshot = pool;  // the rows as this batch stores them
    commit(snapshot, ops);
    ASSERT_TRUE(view.count());
    ASSERT_EQ(*view.count(), live.size()) << "round " << round;
    if (const auto* rows = view.rows(20)) {
      ASSERT_EQ(*rows, newest(20)) << "round " << round;
    } else {
      ++reads;
      load(20);
    }
  }
  EXPECT_LT(reads, 400);  // mostly merged, not re-read
}

}  // namespace
}  // namespace scansync::device::detail
