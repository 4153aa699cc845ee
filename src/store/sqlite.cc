#include "store/sqlite.h"

#include <utility>

namespace scansync::store {

std::error_code to_error(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return {};
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return errc::not_a_database;
    case SQLITE_CANTOPEN: return errc::open_failed;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return errc::busy;
    case SQLITE_FULL: return errc::disk_full;
    case SQLITE_IOERR: return errc::io_error;
    case SQLITE_READONLY: return errc::read_only;
    default: return errc::sql_error;
  }
}

Result<Database> Database::open(const std::string& path, int busy_timeout_ms, OpenMode mode) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mode == OpenMode::create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);  // sqlite3_open_v2 allocates a handle even on failure
    const auto ec = to_error(rc);
    return ec == errc::sql_error ? std::error_code(errc::open_failed) : ec;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return Database(db);
}

Database::Database(Database&& o) noexcept : db_(o.db_) {
  o.db_ = nullptr;
  for (int i = 0; i < kTxSteps; ++i) std::swap(tx_[i], o.tx_[i]);
}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    finalize_cached();
    sqlite3_close_v2(db_);
    db_ = o.db_;
    o.db_ = nullptr;
    for (int i = 0; i < kTxSteps; ++i) std::swap(tx_[i], o.tx_[i]);
  }
  return *this;
}

Database::~Database() {
  finalize_cached();
  sqlite3_close_v2(db_);
}

void Database::finalize_cached() {
  for (auto*& st : tx_) {
    sqlite3_finalize(st);
    st = nullptr;
  }
}

std::error_code Database::run(TxStep step) {
  static constexpr const char* kSql[kTxSteps] = {"BEGIN IMMEDIATE", "BEGIN",      "COMMIT",        "ROLLBACK",
                                                 "SAVEPOINT op",    "RELEASE op", "ROLLBACK TO op"};
  const auto i = static_cast<std::size_t>(step);
  if (!tx_[i]) {
    const int rc = sqlite3_prepare_v3(db_, kSql[i], -1, SQLITE_PREPARE_PERSISTENT, &tx_[i], nullptr);
    if (rc != SQLITE_OK) return to_error(rc);
  }
  const int rc = sqlite3_step(tx_[i]);
  sqlite3_reset(tx_[i]);
  return rc == SQLITE_DONE ? std::error_code{} : to_error(rc);
}

void Database::set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }

std::error_code Database::set_durability(Durability d) {
  return exec(d == Durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

bool Database::in_autocommit() const { return sqlite3_get_autocommit(db_) != 0; }

std::error_code Database::exec(const char* sql) { return to_error(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr)); }

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                                    nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return to_error(rc);
  }
  return Statement(st);
}

std::optional<std::int64_t> Database::query_int(const char* sql) {
  auto st = prepare(sql);
  if (!st.ok() || !st->step()) return std::nullopt;
  return st->column_int(0);
}

std::string Database::last_error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(st_);
    st_ = o.st_;
    o.st_ = nullptr;
    error_ = o.error_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(st_); }

Statement& Statement::bind(int i, std::string_view text) {
  const int rc = sqlite3_bind_text64(st_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) error_ = to_error(rc);
  return *this;
}

Statement& Statement::bind(int i, std::int64_t v) {
  const int rc = sqlite3_bind_int64(st_, i, v);
  if (rc != SQLITE_OK) error_ = to_error(rc);
  return *this;
}

Statement& Statement::bind_null(int i) {
  const int rc = sqlite3_bind_null(st_, i);
  if (rc != SQLITE_OK) error_ = to_error(rc);
  return *this;
}

bool Statement::step() {
  if (error_) return false;
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) error_ = to_error(rc);
  return false;
}

void Statement::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
  error_ = {};
}

std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(st_, i); }

bool Statement::column_is_null(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }

std::string Statement::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
  const int n = sqlite3_column_bytes(st_, i);
  return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
  begin_error_ = db_.run(mode == Mode::write ? Database::TxStep::begin_write : Database::TxStep::begin_read);
  open_ = !begin_error_;
}

Transaction::~Transaction() {
  if (open_) (void)db_.run(Database::TxStep::rollback);
}

std::error_code Transaction::commit() {
  if (!open_) return begin_error_ ? begin_error_ : std::error_code(errc::sql_error);
  const auto ec = db_.run(Database::TxStep::commit);
  // A failed COMMIT leaves the transaction open; the destructor rolls it back.
  if (!ec) open_ = false;
  return ec;
}

}  // namespace scansync::store
