#pragma once
// The JSON text of the two snapshots the C ABI hands out (formats in
// include/scansync/scansync.h). Text that is not UTF-8 (a scanned code can
// be any bytes) is replaced, never an exception.
#include <string>

#include "scansync/device/device_client.h"

namespace scansync::capi {

std::string scans_json(const device::ScanList& list);
std::string sync_json(const device::SyncState& state);

}  // namespace scansync::capi
