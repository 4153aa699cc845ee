#include "store/new_epoch.h"

#include "store/schema.h"
#include "store/sqlite.h"

namespace scansync::store {
namespace {

// Refuses, before anything is written, a file that is not a scansync
// gateway database. An empty file (version 0) is none either: prepare_schema
// would make it one, and the operator named the wrong file.
// The first read is also where a file held by another process fails (busy).
std::error_code check_is_gateway_database(Database& db) {
  auto st = db.prepare("SELECT user_version, application_id FROM pragma_user_version, pragma_application_id");
  if (!st.ok()) return st.error();
  if (!st->step()) return st->error() ? st->error() : std::error_code(errc::not_a_database);
  const auto version = st->column_int(0);
  const auto app_id = st->column_int(1);
  if (version == 0 || app_id != kApplicationId) return errc::not_a_database;
  if (version > kCurrentSchemaVersion) return errc::schema_too_new;
  return {};
}

// Takes the file for this connection alone until it closes. In EXCLUSIVE
// locking mode SQLite keeps every lock it takes; the empty write transaction
// takes the exclusive one, which no other process can have while it holds
// the file open (a WAL connection, even idle, keeps a shared lock), so a
// running gateway makes it fail at once with busy.
std::error_code lock_exclusively(Database& db) { return db.exec("BEGIN EXCLUSIVE; COMMIT"); }

}  // namespace

Result<EpochChange> give_new_epoch(const std::filesystem::path& file) {
  auto db = open_database(file.string(), 0, Database::OpenMode::existing);
  if (!db.ok()) return db.error();
  if (auto ec = db->exec("PRAGMA locking_mode=EXCLUSIVE"); ec) return ec;
  if (auto ec = check_is_gateway_database(*db); ec) return ec;
  if (auto ec = lock_exclusively(*db); ec) return ec;
  if (auto ec = prepare_schema(*db); ec) return ec;  // migrates an older schema

  Transaction tx(*db);
  if (tx.begin_error()) return tx.begin_error();
  auto old_epoch = read_epoch(*db);
  if (!old_epoch.ok()) return old_epoch.error();
  // The same recipe as the one schema v2 chose the first epoch with.
  auto st = db->prepare("UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'epoch' RETURNING value");
  if (!st.ok()) return st.error();
  if (!st->step()) return st->error() ? st->error() : std::error_code(errc::not_a_database);
  EpochChange change{std::move(*old_epoch), st->column_text(0)};
  st->reset();
  if (auto ec = tx.commit(); ec) return ec;
  return change;
}

}  // namespace scansync::store
