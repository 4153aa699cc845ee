#pragma once
// Input rules of the scan contract, as pure functions.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "scans/scan.h"

namespace scansync::scans {

// 8-4-4-4-12 hex digits, version nibble 4, variant 8/9/a/b. Hex digits of
// either case are accepted (iOS writes upper case).
bool is_uuid_v4(std::string_view s);

// The canonical form of a UUID v4: lower case, which is how ids are stored,
// compared and returned, so that 0B9A… and 0b9a… name one scan. nullopt when
// `s` is not a UUID v4.
std::optional<std::string> canonical_uuid_v4(std::string_view s);

bool is_valid_utf8(std::string_view s);

// "qr" | "ean13" | "ean8" | "upc_a" | "code128" | "code39" | "datamatrix" |
// "pdf417" | "aztec" | "unknown".
bool is_scan_format(std::string_view s);

// Accepts an RFC 3339 date-time in UTC: YYYY-MM-DDTHH:MM:SS[.fraction]Z
// ('t' and 'z' in lower case too; no numeric offset, not even +00:00; no leap
// second 60; fraction of 1..9 digits). Returns the canonical form with exactly
// three fraction digits (extra digits truncated): 2026-11-26T04:46:28.123Z.
std::optional<std::string> canonical_utc_time(std::string_view s);

// Unix milliseconds → 2026-11-26T04:46:28.123Z.
std::string format_utc_ms(std::int64_t unix_ms);

// Checks a scan:create payload ({"id","code","format","deviceId","createdAt"};
// other members are ignored). On success fills `out` (id and createdAt canonical)
// and returns ""; otherwise returns the reason, e.g. "code: empty".
std::string validate_new_scan(const nlohmann::json& payload, std::size_t max_code_bytes, NewScan& out);

constexpr std::size_t kMaxDeviceIdBytes = 256;

}  // namespace scansync::scans
