#pragma once
// When a committed write is safe from power loss (SQLite's synchronous
// setting, with the WAL journal).
namespace scansync::store {

enum class Durability {
  // synchronous=FULL: the WAL is fsynced at every commit, so a change that
  // was acked survives an OS crash or power loss too. Batches
  // (ScanStore::begin_batch) share one fsync between many writes.
  full,
  // synchronous=NORMAL: the WAL is synced at checkpoints only. A committed
  // transaction is in the WAL file (the OS page cache) when COMMIT returns, so
  // a killed process loses nothing; an OS crash or power loss may drop the
  // last commits.
  normal,
};

}  // namespace scansync::store
