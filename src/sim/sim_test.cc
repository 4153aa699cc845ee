// The simulator itself: determinism, and that each invariant catches a
// deliberately broken variant.
#include "sim/sim.h"

#include <gtest/gtest.h>

namespace scansync::sim {
namespace {

TEST(Sim, SameSeedSameTrace) {
  SimOptions o;
  o.trace = true;
  for (std::uint64_t seed : {3, 11}) {
    const SeedResult a = run_seed(seed, o);
    const SeedResult b = run_seed(seed, o);
    EXPECT_FALSE(a.trace.empty());
    EXPECT_EQ(a.trace, b.trace) << "seed " << seed;
    EXPECT_EQ(a.events, b.events);
  }
}

TEST(Sim, DifferentSeedsDifferentSchedules) {
  SimOptions o;
  o.trace = true;
  EXPECT_NE(run_seed(1, o).trace, run_seed(2, o).trace);
}

// The seeds that found bugs, kept as regression tests (each failed before its fix).
TEST(SimRegressions, SeedsThatFoundBugsRunClean) {
  SimOptions o;
  for (std::uint64_t seed : {31, 35, 41, 89, 193, 208}) {
    const SeedResult r = run_seed(seed, o);
    EXPECT_FALSE(r.failed()) << "seed " << seed << ": " << (r.failures.empty() ? "" : r.failures.front());
  }
}

// Runs seeds until one fails on `invariant` under `mutant`.
bool caught(Mutant mutant, const std::string& invariant, int seeds = 40) {
  SimOptions o;
  o.mutant = mutant;
  o.quiet_bound_s = 120;  // a broken variant may never be quiet: no need to wait long
  for (int seed = 1; seed <= seeds; ++seed) {
    const SeedResult r = run_seed(static_cast<std::uint64_t>(seed), o);
    auto it = r.counts.find(invariant);
    if (it != r.counts.end() && it->second > 0) return true;
  }
  return false;
}

TEST(SimMutants, CursorAdvancedBeforeTheWriteDiverges) { EXPECT_TRUE(caught(Mutant::cursor_before_write, "diverged")); }
TEST(SimMutants, OutboxThatForgetsOnAckTimeoutLoses) { EXPECT_TRUE(caught(Mutant::forget_on_ack_timeout, "lost")); }
TEST(SimMutants, ResendUnderANewIdDuplicates) { EXPECT_TRUE(caught(Mutant::resend_new_id, "duplicated")); }
TEST(SimMutants, CrossedWiresShowForeignScans) { EXPECT_TRUE(caught(Mutant::crossed_wires, "foreign")); }
TEST(SimMutants, LostCommittedRowLeavesAGap) { EXPECT_TRUE(caught(Mutant::lose_committed_row, "seq_gaps")); }
TEST(SimMutants, IgnoredDeleteAcksLeaveTheOutbox) { EXPECT_TRUE(caught(Mutant::ignore_delete_acks, "outbox_left")); }

}  // namespace
}  // namespace scansync::sim
