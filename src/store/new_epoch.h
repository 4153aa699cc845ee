#pragma once
// The operator's command after restoring a backup: a new epoch for the
// database (contract "Epoch and history resets"). A restored file holds an
// older history under the epoch that clients already keep; with a new one,
// every client sees a reset at its next catch-up, refetches from 0, and
// each device re-sends its own scans that the restored file lacks.
#include <filesystem>
#include <string>

#include "scansync/result.h"
#include "store/store_errors.h"

namespace scansync::store {

struct EpochChange {
  std::string old_epoch, new_epoch;
};

// Replaces the epoch of the gateway database `file`, which must exist and
// must not be open elsewhere: the file is locked exclusively first, so a
// running gateway (or any other connection) → errc::busy, with nothing
// changed. A missing file → open_failed (nothing is created); not SQLite,
// corrupt, or another application's (an empty file included) →
// not_a_database; a newer schema → schema_too_new. An older schema is
// migrated first (as the gateway would at start).
Result<EpochChange> give_new_epoch(const std::filesystem::path& file);

}  // namespace scansync::store
