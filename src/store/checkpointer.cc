#include "store/checkpointer.h"

#include <chrono>

namespace scansync::store {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(Database& writer, const std::string& path,
                                                          CheckpointOptions opts) {
  auto own = open_database(path, /*busy_timeout_ms=*/0);  // PASSIVE never needs to wait
  if (!own.ok()) return own.error();
  {
    // A connection that has not read the file yet does not know it is in WAL
    // mode, and its checkpoints would do nothing. The statement is finalized
    // here, before the thread may use the connection.
    auto mode = own->prepare("PRAGMA journal_mode");
    if (!mode.ok()) return mode.error();
    if (!mode->step()) return mode->error() ? mode->error() : std::error_code(errc::sql_error);
    if (mode->column_text(0) != "wal") return errc::open_failed;
  }
  return std::unique_ptr<Checkpointer>(new Checkpointer(writer, std::move(*own), opts));
}

Checkpointer::Checkpointer(Database& writer, Database own, CheckpointOptions opts)
    : writer_(writer), own_(std::move(own)), opts_(opts), thread_([this] { run(); }) {
  sqlite3_wal_hook(writer_.handle(), &Checkpointer::on_commit, this);
}

Checkpointer::~Checkpointer() {
  // Back to SQLite's automatic checkpoint for whatever the writer does next
  // (closing it checkpoints anyway).
  sqlite3_wal_autocheckpoint(writer_.handle(), opts_.wal_pages);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

// Runs on the writer's thread after each commit, with the WAL's page count.
int Checkpointer::on_commit(void* self_ptr, sqlite3* db, const char* schema, int wal_pages) {
  auto* self = static_cast<Checkpointer*>(self_ptr);
  if (wal_pages >= self->opts_.emergency_pages) {
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
  if (wal_pages >= self->opts_.wal_pages) {
    {
      std::lock_guard lock(self->mu_);
      if (self->wanted_) return SQLITE_OK;
      self->wanted_ = true;
    }
    self->cv_.notify_all();
  }
  return SQLITE_OK;  // a checkpoint's failure is not the commit's
}

void Checkpointer::run() {
  // Normal priority on purpose: a checkpoint holds SQLite's checkpoint lock,
  // and at SCHED_IDLE a writer saturating the core starved it while it held
  // the lock, so the writer's emergency checkpoint could never run.
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    // SQLITE_BUSY (another checkpoint running) just means: next time.
    const int rc = sqlite3_wal_checkpoint_v2(own_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    if (rc == SQLITE_OK) ++completed_;
    cv_.notify_all();
  }
}

std::uint64_t Checkpointer::completed() const {
  std::lock_guard lock(mu_);
  return completed_;
}

bool Checkpointer::wait_completed(std::uint64_t n, int timeout_ms) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return completed_ >= n; });
}

}  // namespace scansync::store
