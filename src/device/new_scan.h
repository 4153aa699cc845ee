#pragma once
// What a scan made on this device is given at the moment it is made.
#include <chrono>
#include <string>

namespace scansync::device::detail {

// A random UUID v4 in canonical lower case (the contract's scan id, chosen
// by the device that scanned). From std::random_device: ids of different
// phones must not collide.
std::string new_scan_id();

// RFC 3339 UTC with milliseconds, e.g. "2026-11-26T09:14:03.250Z".
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace scansync::device::detail
