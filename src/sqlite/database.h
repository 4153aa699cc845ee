#pragma once
// A thin RAII layer over the SQLite C API, shared by the gateway's scan
// store (src/store) and the device's store (src/device): a connection,
// prepared statements (prepared once, reset after each use) and a
// transaction guard. Each store has its own error codes: it opens the
// connection with its ErrorMap, and every error of the connection and of
// its statements comes back mapped through it.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/result.h"

namespace scansync::sqlite {

// An SQLite result code (primary or extended) → the store's error; {} for
// SQLITE_OK, SQLITE_ROW and SQLITE_DONE. It must map SQLITE_ERROR to the
// store's generic statement error and SQLITE_CANTOPEN to its "cannot open".
using ErrorMap = std::error_code (*)(int sqlite_rc);

class Statement;

class Database {
 public:
  // Opens a read-write connection with a busy timeout. OpenMode::create
  // creates an absent file; OpenMode::existing fails (the map's CANTOPEN
  // error). Opening reads nothing: a foreign file is only noticed by the
  // first query. Any failure that maps to the generic error is reported as
  // the map's CANTOPEN error.
  enum class OpenMode { create, existing };
  static Result<Database> open(const std::string& path, int busy_timeout_ms, ErrorMap errors,
                               OpenMode mode = OpenMode::create);
  Database(Database&& o) noexcept;
  Database& operator=(Database&& o) noexcept;
  ~Database();

  // Runs SQL text with no parameters and no rows of interest.
  std::error_code exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  // A single-integer query ("PRAGMA user_version"); the error when it fails
  // or returns no row.
  Result<std::int64_t> query_int(const char* sql);

  // BEGIN IMMEDIATE / BEGIN / COMMIT / ROLLBACK and the one savepoint name
  // "op" (SAVEPOINT / RELEASE / ROLLBACK TO) from statements prepared once: a
  // gateway create runs one transaction, and parsing these each time would
  // be a measurable share of it.
  enum class TxStep { begin_write, begin_read, commit, rollback, savepoint, release, rollback_to };
  std::error_code run(TxStep step);

  // How long a statement waits for another connection's lock before it
  // fails with the map's SQLITE_BUSY error (0: at once).
  void set_busy_timeout(int ms);
  // True while no transaction is open (SQLite's autocommit mode). SQLite
  // rolls a whole transaction back by itself after some errors (disk full,
  // I/O error): this is how a caller learns it.
  bool in_autocommit() const;

  sqlite3* handle() const { return db_; }
  std::string last_error() const;
  // The map this connection reports through (for callers of the C API on handle()).
  std::error_code error_of(int sqlite_rc) const { return errors_(sqlite_rc); }

 private:
  Database(sqlite3* db, ErrorMap errors) : db_(db), errors_(errors) {}
  void close();
  sqlite3* db_ = nullptr;
  ErrorMap errors_ = nullptr;
  static constexpr int kTxSteps = 7;
  sqlite3_stmt* tx_[kTxSteps] = {};  // indexed by TxStep, prepared on first use
};

class Statement {
 public:
  Statement() = default;  // empty: to be assigned a prepared one
  Statement(Statement&& o) noexcept : st_(o.st_), errors_(o.errors_), error_(o.error_) { o.st_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  // Binds are 1-based like SQLite's. bind() binds the text with its length
  // (embedded NULs are kept) and copies it; bind_ref() does not copy, so the
  // text must stay live until the statement is reset (the hot path binds
  // fields of objects that outlive the StatementUse).
  Statement& bind(int i, std::string_view text);
  Statement& bind_ref(int i, std::string_view text);
  Statement& bind(int i, std::int64_t v);
  Statement& bind_null(int i);

  // True when a row is available, false when done; on error, false and
  // error() is set (the first error sticks until reset()).
  bool step();
  // Steps a statement that returns no rows; its error, if any.
  std::error_code run();
  std::error_code error() const { return error_; }
  void reset();

  std::int64_t column_int(int i) const;
  bool column_is_null(int i) const;
  std::string column_text(int i) const;
  std::string_view column_view(int i) const;  // valid until the next step/reset

 private:
  friend class Database;
  Statement(sqlite3_stmt* st, ErrorMap errors) : st_(st), errors_(errors) {}
  void note(int rc);
  sqlite3_stmt* st_ = nullptr;
  ErrorMap errors_ = nullptr;
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
// a deferred BEGIN to see one consistent snapshot across several queries.
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

}  // namespace scansync::sqlite
