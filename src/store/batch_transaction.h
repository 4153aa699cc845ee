#pragma once
// BatchTransaction: the transaction a ScanStore write runs in (group commit).
//
// Outside a batch every write is its own transaction (BEGIN IMMEDIATE …
// COMMIT). Inside a batch the writes share one transaction, begun by the
// first write and committed by commit(): under synchronous=FULL that is one
// WAL fsync for the whole batch instead of one per write. Each write of a
// batch runs inside its own SAVEPOINT, so a write that fails undoes only
// itself and the others stay in the batch.
//
// The transaction begins lazily (at the first write, not at begin()): a batch
// that turns out to hold only reads takes no write lock, and a BEGIN that
// finds the database locked fails the write that needed it (errc::busy),
// which the next write of the batch may retry.
//
// All or nothing at commit: when COMMIT fails, or SQLite already rolled the
// transaction back by itself after an error (disk full, I/O error; see
// note_failure), everything since begin() is undone and commit() returns the
// error. The caller must then treat every write of the batch as failed: the
// results they returned described changes that never committed, and their
// seqs will be handed out again. Writes after such a loss fail with the same
// error until commit() ends the batch.
//
// Reads during a batch whose transaction is open run inside it and see its
// writes; any other read opens its own read transaction (one snapshot).
//
// One per connection, used from one thread.
#include <optional>
#include <system_error>

#include "store/sqlite.h"

namespace scansync::store {

class BatchTransaction {
 public:
  explicit BatchTransaction(Database& db) : db_(db) {}
  ~BatchTransaction();  // an uncommitted batch is rolled back (abandoned)
  BatchTransaction(const BatchTransaction&) = delete;
  BatchTransaction& operator=(const BatchTransaction&) = delete;

  // Starts a batch; a no-op while one is active.
  void begin();
  // Commits the batch's writes (nothing to do when it made none) and ends the
  // batch. On error everything since begin() is rolled back. Outside a batch: {}.
  std::error_code commit();
  bool active() const { return active_; }

  // Called with the error of a write that failed: if SQLite rolled the
  // batch's whole transaction back meanwhile, the batch is lost (see above).
  void note_failure(std::error_code ec);

 private:
  friend class WriteScope;
  friend class ReadScope;
  Database& db_;
  bool active_ = false;     // begin() called, commit() not yet
  bool open_ = false;       // the batch's transaction has begun and is still open
  std::error_code lost_;    // set when the batch's transaction was lost
};

// One write: its own transaction outside a batch, a savepoint inside one.
// Rolled back on destruction unless commit() succeeded.
class WriteScope {
 public:
  explicit WriteScope(BatchTransaction& batch);
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  std::error_code begin_error() const { return begin_error_; }
  // Outside a batch: COMMIT (durable when it returns). Inside: RELEASE, the
  // change is then part of the batch and commits with it.
  std::error_code commit();

 private:
  BatchTransaction& batch_;
  std::error_code begin_error_;
  bool open_ = false;
  bool in_batch_ = false;
};

// One read: a read transaction of its own, or none inside an open batch.
class ReadScope {
 public:
  explicit ReadScope(BatchTransaction& batch);
  std::error_code begin_error() const { return tx_ ? tx_->begin_error() : std::error_code{}; }

 private:
  std::optional<Transaction> tx_;
};

}  // namespace scansync::store
