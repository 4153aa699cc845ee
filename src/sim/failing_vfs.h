#pragma once
// A SQLite VFS that wraps the default one and can make writes fail as a full
// disk does (SQLITE_FULL), per database: the simulator's "disk full" fault
// for the gateway's and the devices' stores without a seam in either store.
// Installed as the process's default VFS, so every connection goes through
// it; while no file is marked full it only forwards.
#include <string>

namespace scansync::sim::vfs {

// Registers the VFS as the default (idempotent).
void install();
// Writes to `db_file` and its companions (-wal, -journal, -shm) fail with
// SQLITE_FULL while `full` is true.
void set_full(const std::string& db_file, bool full);
void clear_all();
// How many writes were refused since the start.
unsigned long long refused_writes();

}  // namespace scansync::sim::vfs
