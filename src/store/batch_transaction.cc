#include "store/batch_transaction.h"

#include <utility>

namespace scansync::store {

using TxStep = Database::TxStep;

BatchTransaction::~BatchTransaction() {
  if (open_) (void)db_.run(TxStep::rollback);
}

void BatchTransaction::begin() {
  if (active_) return;
  active_ = true;
  open_ = false;
  lost_ = {};
}

std::error_code BatchTransaction::commit() {
  if (!active_) return {};
  active_ = false;
  if (!open_) return std::exchange(lost_, {});
  open_ = false;
  const auto ec = db_.run(TxStep::commit);
  // A failed COMMIT may leave the transaction open: undo it, so that the
  // batch is all or nothing and the next write starts afresh.
  if (ec && !db_.in_autocommit()) (void)db_.run(TxStep::rollback);
  return ec;
}

void BatchTransaction::note_failure(std::error_code ec) {
  if (open_ && db_.in_autocommit()) {
    open_ = false;
    lost_ = ec ? ec : std::error_code(errc::sql_error);
  }
}

WriteScope::WriteScope(BatchTransaction& batch) : batch_(batch), in_batch_(batch.active_) {
  Database& db = batch_.db_;
  if (!in_batch_) {
    begin_error_ = db.run(TxStep::begin_write);
    open_ = !begin_error_;
    return;
  }
  if (batch_.lost_) {
    begin_error_ = batch_.lost_;
    return;
  }
  if (!batch_.open_) {
    // The batch's first write: BEGIN IMMEDIATE takes the write lock for the
    // whole batch. Failing (busy), the batch stays unopened for the next write.
    begin_error_ = db.run(TxStep::begin_write);
    if (begin_error_) return;
    batch_.open_ = true;
  }
  begin_error_ = db.run(TxStep::savepoint);
  open_ = !begin_error_;
}

WriteScope::~WriteScope() {
  if (!open_) return;
  Database& db = batch_.db_;
  if (!in_batch_) {
    (void)db.run(TxStep::rollback);
    return;
  }
  // Undo this write only. If SQLite already dropped the whole transaction
  // there is no savepoint left; note_failure() records the loss.
  if (!db.in_autocommit()) {
    (void)db.run(TxStep::rollback_to);
    (void)db.run(TxStep::release);
  }
}

std::error_code WriteScope::commit() {
  if (!open_) return begin_error_ ? begin_error_ : std::error_code(errc::sql_error);
  const auto ec = batch_.db_.run(in_batch_ ? TxStep::release : TxStep::commit);
  // A failed COMMIT leaves the transaction open; the destructor rolls it back.
  if (!ec) open_ = false;
  return ec;
}

ReadScope::ReadScope(BatchTransaction& batch) {
  if (!batch.open_) tx_.emplace(batch.db_, Transaction::Mode::read);
}

}  // namespace scansync::store
