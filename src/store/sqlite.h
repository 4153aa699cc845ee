#pragma once
// A thin RAII layer over the SQLite C API: a connection, prepared statements
// (prepared once, reset after each use) and a transaction guard. Errors come
// back as store::errc values; the SQLite message is kept on the Database for
// diagnostics.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/result.h"
#include "store/durability.h"
#include "store/store_errors.h"

namespace scansync::store {

class Statement;

class Database {
 public:
  // Opens a read-write connection with a busy timeout. OpenMode::create
  // creates an absent file; OpenMode::existing fails with open_failed.
  enum class OpenMode { create, existing };
  static Result<Database> open(const std::string& path, int busy_timeout_ms, OpenMode mode = OpenMode::create);
  Database(Database&& o) noexcept;
  Database& operator=(Database&& o) noexcept;
  ~Database();

  // Runs SQL text with no parameters and no rows of interest.
  std::error_code exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  // Runs a single-value query ("PRAGMA user_version"); nullopt on error or no row.
  std::optional<std::int64_t> query_int(const char* sql);

  // BEGIN IMMEDIATE / BEGIN / COMMIT / ROLLBACK and the one savepoint name
  // "op" (SAVEPOINT / RELEASE / ROLLBACK TO) from statements prepared once: a
  // create runs one transaction, and parsing these each time would be a
  // measurable share of it.
  enum class TxStep { begin_write, begin_read, commit, rollback, savepoint, release, rollback_to };
  std::error_code run(TxStep step);

  // How long a statement waits for another connection's lock before it
  // fails with errc::busy (0: at once).
  void set_busy_timeout(int ms);
  // PRAGMA synchronous=FULL | NORMAL (see durability.h).
  std::error_code set_durability(Durability d);
  // True while no transaction is open (SQLite's autocommit mode). SQLite
  // rolls a whole transaction back by itself after some errors (disk full,
  // I/O error): this is how a caller learns it.
  bool in_autocommit() const;

  sqlite3* handle() const { return db_; }
  std::string last_error() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  void finalize_cached();
  sqlite3* db_ = nullptr;
  static constexpr int kTxSteps = 7;
  sqlite3_stmt* tx_[kTxSteps] = {};  // indexed by TxStep, prepared on first use
};

// Maps an SQLite result code to a store error (NOTADB/CORRUPT → not_a_database,
// BUSY/LOCKED → busy).
std::error_code to_error(int sqlite_rc);

class Statement {
 public:
  Statement() = default;  // empty: to be assigned a prepared one
  Statement(Statement&& o) noexcept : st_(o.st_) { o.st_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  ~Statement();

  // Binds are 1-based like SQLite's. Text is bound with its length (embedded
  // NULs are kept) and copied, so the caller's buffer may go away at once.
  Statement& bind(int i, std::string_view text);
  Statement& bind(int i, std::int64_t v);
  Statement& bind_null(int i);

  // Returns true when a row is available, false when done; on error, false and
  // `error()` is set. The statement is reset by `reset()` or the next bind round.
  bool step();
  std::error_code error() const { return error_; }
  void reset();

  std::int64_t column_int(int i) const;
  bool column_is_null(int i) const;
  std::string column_text(int i) const;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* st) : st_(st) {}
  sqlite3_stmt* st_ = nullptr;
  std::error_code error_;
};

// Resets a cached statement when leaving scope, so it never holds a read
// snapshot open between calls.
class StatementUse {
 public:
  explicit StatementUse(Statement& s) : s_(s) { s_.reset(); }
  ~StatementUse() { s_.reset(); }
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

}  // namespace scansync::store
