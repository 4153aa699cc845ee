#pragma once
// A thin RAII layer over the SQLite C API for the device store: a
// connection, prepared statements (prepared once, reset after each use) and
// a transaction guard. A copy of the pattern in src/store/sqlite.h, kept
// separate so the device library does not depend on the gateway's store;
// errors come back as device::errc values.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/device/device_store.h"

namespace scansync::device::detail {

// Maps an SQLite result code to a device error (NOTADB/CORRUPT →
// not_a_device_database, FULL → storage_full, BUSY/LOCKED → busy).
std::error_code to_error(int sqlite_rc);

class Statement;

class Database {
 public:
  // Opens (creating if absent) a read-write connection with a busy timeout.
  // Opening reads nothing: a foreign file is only noticed by the first query.
  static Result<Database> open(const std::string& path, int busy_timeout_ms);
  Database(Database&& o) noexcept;
  Database& operator=(Database&& o) noexcept;
  ~Database();

  // Runs SQL text with no parameters and no rows of interest.
  std::error_code exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  // A single-integer query ("PRAGMA user_version"); the error when it fails
  // or returns no row.
  Result<std::int64_t> query_int(const char* sql);

  // BEGIN IMMEDIATE / BEGIN / COMMIT / ROLLBACK from statements prepared once.
  enum class TxStep { begin_write, begin_read, commit, rollback };
  std::error_code run(TxStep step);

  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  void close();
  sqlite3* db_ = nullptr;
  sqlite3_stmt* tx_[4] = {};  // indexed by TxStep, prepared on first use
};

class Statement {
 public:
  Statement() = default;
  Statement(Statement&& o) noexcept : st_(o.st_), error_(o.error_) { o.st_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  // Binds are 1-based like SQLite's. bind() copies the text; bind_ref() does
  // not, so the text must stay live until the statement is reset (the hot
  // path binds fields of objects that outlive the StatementUse).
  Statement& bind(int i, std::string_view text);
  Statement& bind_ref(int i, std::string_view text);
  Statement& bind(int i, std::int64_t v);

  // True when a row is available, false when done; on error, false and
  // error() is set (and sticks until reset()).
  bool step();
  // Steps a statement that returns no rows; its error, if any.
  std::error_code run();
  std::error_code error() const { return error_; }
  void reset();

  std::int64_t column_int(int i) const;
  std::string column_text(int i) const;
  std::string_view column_view(int i) const;  // valid until the next step/reset

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* st) : st_(st) {}
  sqlite3_stmt* st_ = nullptr;
  std::error_code error_;
};

// Resets a cached statement on entry and when leaving scope, so it never
// holds a read snapshot (or a bound view) between calls.
class StatementUse {
 public:
  explicit StatementUse(Statement& s) : s_(s) { s_.reset(); }
  ~StatementUse() { s_.reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

// BEGIN on construction; ROLLBACK on destruction unless commit() succeeded.
// Writers use IMMEDIATE, which takes the write lock up front, so a
// read-then-write sequence cannot fail half way with SQLITE_BUSY; readers use
// a deferred BEGIN to see one snapshot across several queries.
class Transaction {
 public:
  enum class Mode { write, read };
  explicit Transaction(Database& db, Mode mode = Mode::write);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  std::error_code begin_error() const { return begin_error_; }
  std::error_code commit();

 private:
  Database& db_;
  std::error_code begin_error_;
  bool open_ = false;
};

}  // namespace scansync::device::detail
