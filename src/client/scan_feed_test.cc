#include "scansync/client/scan_feed.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace scansync::client {
namespace {

struct SentRequest {
  std::string event;
  std::string args;
  AckHandler ack;
};

std::string scan(int seq, const std::string& id) {
  return R"({"id":")" + id + R"(","userId":"alice","code":"c)" + std::to_string(seq) +
         R"(","format":"qr","deviceId":"d","createdAt":"2026-11-26T00:00:00.000Z","seq":)" + std::to_string(seq) + "}";
}
std::string tombstone(int seq, const std::string& id) {
  return R"({"id":")" + id + R"(","userId":"alice","seq":)" + std::to_string(seq) +
         R"(,"deletedAt":"2026-11-26T00:00:01.000Z"})";
}

class ScanFeedTest : public ::testing::Test {
 protected:
  ScanFeed feed{[this](std::string_view event, std::string args, AckHandler ack) {
                  sent.push_back({std::string(event), std::move(args), std::move(ack)});
                },
                [this](const ScanChange& c) { changes.push_back(c); }};
  std::vector<SentRequest> sent;
  std::vector<ScanChange> changes;

  void answer(const std::string& page) {
    ASSERT_FALSE(sent.empty());
    auto ack = std::move(sent.back().ack);
    std::vector<std::string_view> args{page};
    ack({}, args);
  }
  std::vector<std::int64_t> seqs() const {
    std::vector<std::int64_t> out;
    for (const auto& c : changes) out.push_back(c.seq);
    return out;
  }
};

TEST_F(ScanFeedTest, CatchUpAsksFromLastSeqAndPagesUntilNoMore) {
  feed.catch_up();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].event, "sync:since");
  EXPECT_EQ(sent[0].args, R"([{"seq":0,"limit":500}])");
  answer(R"({"ok":true,"changes":[{"op":"created","scan":)" + scan(1, "a") + R"(}],"latestSeq":3,"hasMore":true})");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].args, R"([{"seq":1,"limit":500}])");
  answer(R"({"ok":true,"changes":[{"op":"created","scan":)" + scan(2, "b") + R"(},{"op":"deleted","id":"a","userId":"alice","seq":3,"deletedAt":"2026-11-26T00:00:01.000Z"}],"latestSeq":3,"hasMore":false})");
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_EQ(seqs(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(changes[2].op, ScanChange::Op::deleted);
  EXPECT_EQ(changes[2].json, tombstone(3, "a"));
  EXPECT_FALSE(feed.catching_up());
}

TEST_F(ScanFeedTest, LiveEventsDuringCatchUpWaitAndDuplicatesAreSkipped) {
  feed.catch_up();
  feed.live("scan:created", scan(2, "b"));  // arrives before the page that holds 1 and 2
  EXPECT_TRUE(changes.empty());
  answer(R"({"ok":true,"changes":[{"op":"created","scan":)" + scan(1, "a") + R"(},{"op":"created","scan":)" +
         scan(2, "b") + R"(}],"latestSeq":2,"hasMore":false})");
  EXPECT_EQ(seqs(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(feed.duplicates_skipped(), 1u);
  feed.live("scan:created", scan(2, "b"));  // the originator's echo, again
  feed.live("scan:created", scan(3, "c"));
  EXPECT_EQ(seqs(), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(ScanFeedTest, AGapInLiveSeqTriggersACatchUpBeforeApplying) {
  feed.catch_up();
  answer(R"({"ok":true,"changes":[],"latestSeq":0,"hasMore":false})");
  feed.live("scan:created", scan(1, "a"));
  feed.live("scan:created", scan(4, "d"));  // 2 and 3 went by unseen
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].args, R"([{"seq":1,"limit":500}])");
  answer(R"({"ok":true,"changes":[{"op":"created","scan":)" + scan(2, "b") + R"(},{"op":"created","scan":)" +
         scan(3, "c") + R"(}],"latestSeq":3,"hasMore":false})");
  EXPECT_EQ(seqs(), (std::vector<std::int64_t>{1, 2, 3, 4}));
}

TEST_F(ScanFeedTest, CursorExpiredResetsAndRefetchesFromZero) {
  ScanFeed resumed([this](std::string_view e, std::string a, AckHandler k) { sent.push_back({std::string(e), a, k}); },
                   [this](const ScanChange& c) { changes.push_back(c); }, ScanFeedOptions{40, 100, ""});
  int resets = 0;
  resumed.on_reset([&] { ++resets; });
  resumed.catch_up();
  EXPECT_EQ(sent.back().args, R"([{"seq":40,"limit":100}])");
  answer(R"({"ok":false,"error":"cursor_expired"})");
  EXPECT_EQ(resets, 1);
  EXPECT_EQ(sent.back().args, R"([{"seq":0,"limit":100}])");
  answer(R"({"ok":true,"changes":[{"op":"created","scan":)" + scan(41, "z") + R"(}],"latestSeq":41,"hasMore":false})");
  EXPECT_EQ(seqs(), (std::vector<std::int64_t>{41}));
}

TEST_F(ScanFeedTest, AnErrorOrMalformedPageEndsTheCatchUpAndReleasesHeldEvents) {
  std::vector<std::string> errors;
  feed.on_error([&](std::string_view code, std::string_view) { errors.emplace_back(code); });
  for (const std::string page : {R"({"ok":false,"error":"invalid"})", R"(not json)", R"({"ok":true,"changes":7})"}) {
    changes.clear();
    feed.catch_up();
    feed.live("scan:created", scan(static_cast<int>(feed.last_seq()) + 1, "x"));
    answer(page);
    EXPECT_FALSE(feed.catching_up()) << page;
    EXPECT_EQ(changes.size(), 1u) << page;
  }
  EXPECT_EQ(errors.size(), 3u);
}

// Found by scansync-sim (seed 193): after a history reset the cursor is 0;
// the refetch's answer was lost (ack timeout) while a live event of seq 10
// was held. Releasing it moved the cursor to 10 and seqs 1..9 were never
// fetched again.
TEST_F(ScanFeedTest, AFailedCatchUpNeverAppliesHeldEventsPastAGap) {
  feed.catch_up();
  feed.live("scan:created", scan(10, "j"));
  ASSERT_EQ(sent.size(), 1u);
  auto ack = std::move(sent.back().ack);
  ack(make_error_code(errc::ack_timeout), {});
  EXPECT_FALSE(feed.catching_up());
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(feed.last_seq(), 0);
  feed.live("scan:created", scan(11, "k"));  // the gap shows: fetched first
  EXPECT_TRUE(feed.catching_up());
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].args, R"([{"seq":0,"limit":500}])");
}

TEST_F(ScanFeedTest, AStaleAnswerFromAnEarlierCatchUpIsIgnored) {
  feed.catch_up();
  auto stale = std::move(sent.back().ack);
  feed.catch_up();  // reconnected before the first page came
  std::string page = R"({"ok":true,"changes":[{"op":"created","scan":)" + scan(1, "a") + R"(}],"latestSeq":1,"hasMore":false})";
  std::vector<std::string_view> args{page};
  stale({}, args);
  EXPECT_TRUE(changes.empty());
  EXPECT_TRUE(feed.catching_up());
}

TEST_F(ScanFeedTest, ChangesWithoutSeqOrIdAreIgnored) {
  feed.catch_up();
  answer(R"({"ok":true,"changes":[],"latestSeq":0,"hasMore":false})");
  feed.live("scan:created", R"({"id":"a"})");
  feed.live("scan:created", R"({"seq":1})");
  feed.live("scan:created", R"([1,2])");
  feed.live("scan:other", scan(1, "a"));
  EXPECT_TRUE(changes.empty());
}


std::string page_of(const std::vector<std::string>& scans, int latest, bool more, const std::string& epoch = "E1") {
  std::string changes;
  for (const auto& s : scans) changes += (changes.empty() ? "" : ",") + (R"({"op":"created","scan":)" + s + "}");
  return R"({"ok":true,"changes":[)" + changes + R"(],"latestSeq":)" + std::to_string(latest) +
         R"(,"hasMore":)" + (more ? "true" : "false") + R"(,"epoch":")" + epoch + R"("})";
}

// A host whose storage can fail: it records what it applied and refuses
// while `refuse` is set.
class ScanFeedBatchTest : public ::testing::Test {
 protected:
  struct Batch {
    std::vector<std::int64_t> seqs;
    std::int64_t last_seq;
    std::string epoch;
  };
  void make(ScanFeedOptions options = {}) {
    feed = std::make_unique<ScanFeed>(
        [this](std::string_view event, std::string args, AckHandler ack) {
          sent.push_back({std::string(event), std::move(args), std::move(ack)});
        },
        ScanFeed::BatchHandler([this](const std::vector<ScanChange>& changes, std::int64_t last, std::string_view epoch) {
          ++offered;
          if (refuse) return false;
          Batch b{{}, last, std::string(epoch)};
          for (const auto& c : changes) b.seqs.push_back(c.seq);
          applied.push_back(b);
          return true;
        }),
        options);
    feed->on_error([this](std::string_view code, std::string_view) { errors.emplace_back(code); });
    feed->on_reset([this](std::string_view epoch) {
      resets.emplace_back(epoch);
      return !refuse_reset;
    });
  }
  void answer(const std::string& page) {
    ASSERT_FALSE(sent.empty());
    auto ack = std::move(sent.back().ack);
    std::vector<std::string_view> args{page};
    ack({}, args);
  }
  std::vector<std::int64_t> all_seqs() const {
    std::vector<std::int64_t> out;
    for (const auto& b : applied) out.insert(out.end(), b.seqs.begin(), b.seqs.end());
    return out;
  }
  std::unique_ptr<ScanFeed> feed;
  std::vector<SentRequest> sent;
  std::vector<Batch> applied;
  std::vector<std::string> errors, resets;
  int offered = 0;
  bool refuse = false, refuse_reset = false;
};

TEST_F(ScanFeedBatchTest, OneBatchPerPageWithTheCursorAndEpochItLeadsTo) {
  make();
  feed->catch_up();
  answer(page_of({scan(1, "a"), scan(2, "b")}, 3, true));
  answer(page_of({scan(3, "c")}, 3, false));
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[0].seqs, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(applied[0].last_seq, 2);
  EXPECT_EQ(applied[0].epoch, "E1");
  EXPECT_EQ(applied[1].last_seq, 3);
  EXPECT_EQ(feed->last_seq(), 3);
  EXPECT_EQ(feed->epoch(), "E1");
}

TEST_F(ScanFeedBatchTest, ARefusedPageStopsTheCatchUpAndIsFetchedAgain) {
  make();
  feed->catch_up();
  answer(page_of({scan(1, "a")}, 2, true));
  refuse = true;
  feed->live("scan:created", scan(3, "c"));  // held behind the page
  answer(page_of({scan(2, "b")}, 3, false));
  EXPECT_EQ(errors, (std::vector<std::string>{"apply_failed"}));
  EXPECT_FALSE(feed->catching_up());
  EXPECT_EQ(feed->last_seq(), 1);
  EXPECT_EQ(sent.size(), 2u);  // no further page asked for
  refuse = false;
  feed->catch_up();
  EXPECT_EQ(sent.back().args, R"([{"seq":1,"limit":500}])");
  answer(page_of({scan(2, "b"), scan(3, "c")}, 3, false));
  EXPECT_EQ(all_seqs(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(feed->last_seq(), 3);
}

TEST_F(ScanFeedBatchTest, ARefusedLiveEventLeavesTheCursorAndALaterCatchUpBringsItBack) {
  make();
  feed->catch_up();
  answer(page_of({}, 0, false));
  refuse = true;
  feed->live("scan:created", scan(1, "a"));
  EXPECT_EQ(feed->last_seq(), 0);
  EXPECT_EQ(errors, (std::vector<std::string>{"apply_failed"}));  // the host catches up again later
  refuse = false;
  feed->live("scan:created", scan(2, "b"));  // a gap now: catch up first
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent.back().args, R"([{"seq":0,"limit":500}])");
  answer(page_of({scan(1, "a")}, 2, false));
  EXPECT_EQ(all_seqs(), (std::vector<std::int64_t>{1, 2}));
}

// Found by scansync-sim (seed 41): a catch-up whose answer did not come in
// time, on a connection that stayed up, ended silently; nothing started
// another, and the device never saw the history reset behind it.
TEST_F(ScanFeedBatchTest, NoAnswerInTimeIsReportedButALostConnectionIsNot) {
  make();
  feed->catch_up();
  auto ack = std::move(sent.back().ack);
  ack(make_error_code(errc::ack_timeout), {});
  EXPECT_EQ(errors, (std::vector<std::string>{"sync_failed"}));
  EXPECT_FALSE(feed->catching_up());
  feed->catch_up();
  ack = std::move(sent.back().ack);
  ack(make_error_code(errc::connection_lost), {});  // the next connect catches up
  EXPECT_EQ(errors.size(), 1u);
}

TEST_F(ScanFeedBatchTest, HeldEventsAreReleasedAsOneBatchUpToAGap) {
  make();
  feed->catch_up();
  feed->live("scan:created", scan(2, "b"));
  feed->live("scan:created", scan(3, "c"));
  feed->live("scan:created", scan(5, "e"));  // 4 never arrived
  answer(page_of({scan(1, "a")}, 1, false));
  ASSERT_EQ(applied.size(), 2u);
  EXPECT_EQ(applied[1].seqs, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(feed->last_seq(), 3);
  // The gap is fetched at once, and seq 5 waits for it.
  EXPECT_TRUE(feed->catching_up());
  EXPECT_EQ(sent.back().args, R"([{"seq":3,"limit":500}])");
  answer(page_of({scan(4, "d"), scan(5, "e")}, 5, false));
  EXPECT_EQ(all_seqs(), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_FALSE(feed->catching_up());
}

TEST_F(ScanFeedBatchTest, AnotherEpochIsAHistoryResetAndRefetchesFromZero) {
  make(ScanFeedOptions{7, 500, "E1"});
  feed->catch_up();
  EXPECT_EQ(sent.back().args, R"([{"seq":7,"limit":500}])");
  answer(page_of({}, 9, false, "E2"));
  EXPECT_EQ(resets, (std::vector<std::string>{"E2"}));
  EXPECT_TRUE(applied.empty());
  EXPECT_EQ(sent.back().args, R"([{"seq":0,"limit":500}])");
  answer(page_of({scan(1, "a")}, 1, false, "E2"));
  EXPECT_EQ(all_seqs(), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(feed->epoch(), "E2");
  EXPECT_EQ(feed->last_seq(), 1);
}

TEST_F(ScanFeedBatchTest, TheFirstEpochSeenIsAdoptedWithoutAReset) {
  make(ScanFeedOptions{0, 500, ""});
  feed->catch_up();
  answer(page_of({}, 0, false, "E1"));
  EXPECT_TRUE(resets.empty());
  EXPECT_EQ(feed->epoch(), "E1");
}

TEST_F(ScanFeedBatchTest, ALatestSeqBelowTheCursorIsAHistoryReset) {
  make(ScanFeedOptions{10, 500, "E1"});
  feed->catch_up();
  answer(page_of({}, 4, false, "E1"));  // same epoch, but the server lost changes
  EXPECT_EQ(resets, (std::vector<std::string>{"E1"}));
  EXPECT_EQ(sent.back().args, R"([{"seq":0,"limit":500}])");
  answer(page_of({scan(1, "a"), scan(4, "d")}, 4, false, "E1"));
  EXPECT_EQ(feed->last_seq(), 4);
  EXPECT_EQ(resets.size(), 1u);
}

TEST_F(ScanFeedBatchTest, ARefusedResetKeepsTheCursorSoTheNextCatchUpSeesItAgain) {
  make(ScanFeedOptions{10, 500, "E1"});
  refuse_reset = true;
  feed->catch_up();
  answer(page_of({}, 12, false, "E2"));
  EXPECT_EQ(errors, (std::vector<std::string>{"apply_failed"}));
  EXPECT_EQ(feed->last_seq(), 10);
  EXPECT_EQ(feed->epoch(), "E1");
  EXPECT_FALSE(feed->catching_up());
  refuse_reset = false;
  feed->catch_up();
  answer(page_of({}, 12, false, "E2"));
  EXPECT_EQ(resets.size(), 2u);
  EXPECT_EQ(feed->epoch(), "E2");
}

TEST_F(ScanFeedBatchTest, DuplicatesInAPageAndFromLiveEventsAreLeftOut) {
  make();
  feed->catch_up();
  answer(page_of({scan(1, "a"), scan(1, "a"), scan(2, "b")}, 2, false));
  EXPECT_EQ(all_seqs(), (std::vector<std::int64_t>{1, 2}));
  feed->live("scan:created", scan(2, "b"));  // the echo
  EXPECT_EQ(offered, 1);                      // nothing new: no batch
  EXPECT_EQ(feed->duplicates_skipped(), 2u);
  feed->catch_up();
  answer(page_of({scan(2, "b")}, 2, false));  // a page of duplicates still carries its cursor
  EXPECT_EQ(applied.back().seqs.size(), 0u);
  EXPECT_EQ(applied.back().last_seq, 2);
}

}  // namespace
}  // namespace scansync::client
