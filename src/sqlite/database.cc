#include "sqlite/database.h"

#include <utility>

namespace scansync::sqlite {

Result<Database> Database::open(const std::string& path, int busy_timeout_ms, ErrorMap errors, OpenMode mode) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mode == OpenMode::create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);  // sqlite3_open_v2 allocates a handle even on failure
    const auto ec = errors(rc);
    return ec == errors(SQLITE_ERROR) ? errors(SQLITE_CANTOPEN) : ec;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return Database(db, errors);
}

Database::Database(Database&& o) noexcept : db_(o.db_), errors_(o.errors_) {
  o.db_ = nullptr;
  for (int i = 0; i < kTxSteps; ++i) std::swap(tx_[i], o.tx_[i]);
}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    close();
    std::swap(db_, o.db_);
    errors_ = o.errors_;
    for (int i = 0; i < kTxSteps; ++i) std::swap(tx_[i], o.tx_[i]);
  }
  return *this;
}

Database::~Database() { close(); }

void Database::close() {
  for (auto*& st : tx_) {
    sqlite3_finalize(st);
    st = nullptr;
  }
  // _v2: the connection closes once the owner's cached Statements are
  // finalized too, whatever the order of destruction.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

std::error_code Database::run(TxStep step) {
  static constexpr const char* kSql[kTxSteps] = {"BEGIN IMMEDIATE", "BEGIN",      "COMMIT",        "ROLLBACK",
                                                 "SAVEPOINT op",    "RELEASE op", "ROLLBACK TO op"};
  const auto i = static_cast<std::size_t>(step);
  if (!tx_[i]) {
    const int rc = sqlite3_prepare_v3(db_, kSql[i], -1, SQLITE_PREPARE_PERSISTENT, &tx_[i], nullptr);
    if (rc != SQLITE_OK) return errors_(rc);
  }
  const int rc = sqlite3_step(tx_[i]);
  sqlite3_reset(tx_[i]);
  return rc == SQLITE_DONE ? std::error_code{} : errors_(rc);
}

void Database::set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }

bool Database::in_autocommit() const { return sqlite3_get_autocommit(db_) != 0; }

std::error_code Database::exec(const char* sql) { return errors_(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr)); }

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st,
                                    nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return errors_(rc);
  }
  return Statement(st, errors_);
}

Result<std::int64_t> Database::query_int(const char* sql) {
  auto st = prepare(sql);
  if (!st.ok()) return st.error();
  if (!st->step()) return st->error() ? st->error() : errors_(SQLITE_ERROR);
  return st->column_int(0);
}

std::string Database::last_error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(st_);
    st_ = o.st_;
    o.st_ = nullptr;
    errors_ = o.errors_;
    error_ = o.error_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(st_); }

void Statement::note(int rc) {
  if (rc != SQLITE_OK && !error_) error_ = errors_(rc);
}

Statement& Statement::bind(int i, std::string_view text) {
  note(sqlite3_bind_text64(st_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind_ref(int i, std::string_view text) {
  // An empty view may have a null data(); SQLite would bind NULL for it.
  const char* p = text.data() ? text.data() : "";
  note(sqlite3_bind_text64(st_, i, p, text.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind(int i, std::int64_t v) {
  note(sqlite3_bind_int64(st_, i, v));
  return *this;
}

Statement& Statement::bind_null(int i) {
  note(sqlite3_bind_null(st_, i));
  return *this;
}

bool Statement::step() {
  if (error_) return false;
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) error_ = errors_(rc);
  return false;
}

std::error_code Statement::run() {
  while (step()) {
  }
  return error_;
}

void Statement::reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
  error_ = {};
}

std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(st_, i); }

bool Statement::column_is_null(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }

std::string Statement::column_text(int i) const { return std::string(column_view(i)); }

std::string_view Statement::column_view(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
  const int n = sqlite3_column_bytes(st_, i);
  return p ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
  begin_error_ = db_.run(mode == Mode::write ? Database::TxStep::begin_write : Database::TxStep::begin_read);
  open_ = !begin_error_;
}

Transaction::~Transaction() {
  // SQLite may already have rolled back on its own (some SQLITE_FULL and
  // I/O errors do); ROLLBACK then fails harmlessly with "no transaction".
  if (open_) (void)db_.run(Database::TxStep::rollback);
}

std::error_code Transaction::commit() {
  if (!open_) return begin_error_ ? begin_error_ : db_.error_of(SQLITE_ERROR);
  const auto ec = db_.run(Database::TxStep::commit);
  // A failed COMMIT leaves the transaction open; the destructor rolls it back.
  if (!ec) open_ = false;
  return ec;
}

}  // namespace scansync::sqlite
