#pragma once
// The device store's SQLite connection: the shared wrapper
// (sqlite/database.h, also under the gateway's store) with errors as
// device::errc values.
#include <string>
#include <system_error>

#include "scansync/device/device_store.h"
#include "scansync/result.h"
#include "sqlite/database.h"

namespace scansync::device::detail {

using sqlite::Database;
using sqlite::Statement;
using sqlite::StatementUse;
using sqlite::Transaction;

// Maps an SQLite result code to a device error (NOTADB/CORRUPT →
// not_a_device_database, FULL → storage_full, BUSY/LOCKED → busy).
std::error_code to_error(int sqlite_rc);

// Opens (creating if absent) a connection whose errors are device::errc values.
Result<Database> open_database(const std::string& path, int busy_timeout_ms);

}  // namespace scansync::device::detail
