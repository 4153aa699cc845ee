#pragma once
// The wire shapes of scans and changes (contract "Scan", "scan:deleted",
// sync:since). Built with an insertion-ordered JSON writer so members appear
// in the contract's order.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "scans/scan.h"

namespace scansync::scans {

using Json = nlohmann::ordered_json;

// Compact text. Never throws: invalid UTF-8 (impossible for validated input,
// but a user id comes from elsewhere) is replaced by U+FFFD.
std::string to_text(const Json& j);

// {"id","userId","code","format","deviceId","createdAt","seq"}; seq is the
// creation's seq, also for a tombstone.
Json scan_json(const StoredScan& s);

// The scan:deleted event: {"id","userId","seq","deletedAt"}. Precondition: s.deleted().
Json deleted_event_json(const StoredScan& s);

// {"op":"created","scan":Scan} or {"op":"deleted","id","seq","deletedAt"}.
Json change_json(const StoredScan& s);

// {"ok":true,"changes":[…],"latestSeq":N,"epoch":E,"hasMore":bool}
Json change_page_json(const ChangePage& page);

// {"scans":[Scan…],"latestSeq":N,"epoch":E,"nextCursor":"<seq>"|null}. The
// cursor is the decimal seq of the last scan listed (opaque to clients; see
// parse_list_cursor).
Json live_page_json(const LivePage& page);

// A nextCursor back to the `before` seq it stands for; nullopt if `text` is
// not one (not a positive decimal integer).
std::optional<std::int64_t> parse_list_cursor(std::string_view text);

}  // namespace scansync::scans
