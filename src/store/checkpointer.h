#pragma once
// Checkpointer: runs the WAL's checkpoints on a thread of its own.
//
// Why: with SQLite's automatic checkpoint, the commit that crosses the WAL
// threshold copies the WAL into the database file and fdatasyncs it on the
// committing thread, which in the gateway is the event loop: 0.3-3 ms per
// checkpoint measured here, a stall for every connection (it set the latency
// benchmark's p99). Instead the writer's connection gets a wal_hook (which
// replaces the automatic checkpoint) that only wakes this thread; the thread
// checkpoints PASSIVE on its own connection, which never waits for the
// writer and never blocks it. Commits stay as durable as before: the WAL is
// written before each commit returns; only the copy into the main file moved.
//
// Bound: if the WAL still grows past `emergency_pages` (the checkpointer
// cannot keep up), the writer checkpoints itself, as SQLite would. A
// checkpoint cannot run inside the writer's open transaction, and it never
// does: SQLite calls the wal_hook only once a transaction has committed (in
// autocommit mode again), so a batch of many writes (ScanStore::begin_batch)
// is checkpointed after its one COMMIT, never between its writes.
//
// Lifetime: the Checkpointer must be destroyed before the writer's Database
// (the destructor removes the hook and joins the thread).
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "scansync/result.h"
#include "store/sqlite.h"

namespace scansync::store {

struct CheckpointOptions {
  int wal_pages = 1000;         // checkpoint once the WAL holds this many pages (SQLite's default)
  int emergency_pages = 4000;   // the writer checkpoints itself beyond this (a 16 MB WAL)
};

class Checkpointer {
 public:
  // Opens a second connection to `path` and hooks `writer`'s commits.
  static Result<std::unique_ptr<Checkpointer>> start(Database& writer, const std::string& path,
                                                     CheckpointOptions opts);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints completed by the thread so far.
  std::uint64_t completed() const;
  // Waits until completed() >= n or `timeout_ms` passes; returns completed() >= n.
  bool wait_completed(std::uint64_t n, int timeout_ms) const;

 private:
  Checkpointer(Database& writer, Database own, CheckpointOptions opts);
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  Database& writer_;
  Database own_;
  CheckpointOptions opts_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::uint64_t completed_ = 0;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace scansync::store
