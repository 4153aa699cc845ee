#pragma once
// The device store's JSON: the outbox payloads it writes, and the checks on
// scans made on this device. (Decoding is public: device_store.h.)
#include <string>
#include <string_view>

#include "scansync/device/device_store.h"

namespace scansync::device::detail {

// scan:create's argument: {"id","code","format","deviceId","createdAt"}.
std::string create_payload(const Scan& scan);
// scan:delete's argument: {"id"}.
std::string remove_payload(std::string_view id);

// 8-4-4-4-12 hex digits with version nibble 4 and variant 8, 9, a or b, as
// the gateway checks it (either case).
bool is_uuid_v4(std::string_view s);

}  // namespace scansync::device::detail
