#pragma once
// The gateway store's SQLite connection: the shared wrapper (sqlite/database.h)
// with errors as store::errc values; the SQLite message is kept on the
// Database for diagnostics.
#include <string>
#include <system_error>

#include "scansync/result.h"
#include "sqlite/database.h"
#include "store/durability.h"
#include "store/store_errors.h"

namespace scansync::store {

using sqlite::Database;
using sqlite::Statement;
using sqlite::StatementUse;
using sqlite::Transaction;

// Maps an SQLite result code to a store error (NOTADB/CORRUPT → not_a_database,
// BUSY/LOCKED → busy).
std::error_code to_error(int sqlite_rc);

// Opens a connection whose errors are store::errc values (see Database::open).
Result<Database> open_database(const std::string& path, int busy_timeout_ms,
                               Database::OpenMode mode = Database::OpenMode::create);

// PRAGMA synchronous=FULL | NORMAL (see durability.h).
std::error_code set_durability(Database& db, Durability d);

}  // namespace scansync::store
