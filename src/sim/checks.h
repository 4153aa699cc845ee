#pragma once
// The invariants checked once a schedule has run to quiet.
#include "sim/world.h"

namespace scansync::sim {

// Quiet: the gateway up with no open batch; every device connected, its
// outbox empty and its cursor at the server's latestSeq and epoch; the
// watcher likewise.
bool quiet_reached(World& w);

// The checks (each adds to result.counts and, when it fails, to
// result.failures):
//   diverged     a device's (or the watcher's) live scans differ from the server's for its user
//   lost         a scan some device held (stored with its create queued) and nobody deleted is not on the server
//   duplicated   a device shows an id twice, or one user action (a scan's code) is on the server or a device twice
//   foreign      a device or the watcher shows another user's scan
//   outbox_left  outbox items left on a device
//   seq_gaps     the server's seqs of a user (creates and deletes) are not exactly 1..latestSeq
//   not_quiet    the system did not reach quiet within the bound
// After a restore without a new epoch the contract promises no more than a
// reset when latestSeq falls below a cursor, so diverged and lost are not
// checked for that schedule (history_unpromised); the others still are.
void check(World& w, bool settled, SeedResult& result);

}  // namespace scansync::sim
