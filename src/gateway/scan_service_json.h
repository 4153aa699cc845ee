#pragma once
// The wire shapes of scans and changes (contract "Scan", "scan:deleted",
// sync:since). Built with an insertion-ordered JSON writer so members appear
// in the contract's order.
#include <nlohmann/json.hpp>

#include "store/scan_store.h"

namespace scansync::gateway {

using Json = nlohmann::ordered_json;

// Compact text. Never throws: invalid UTF-8 (impossible for validated input,
// but a user id comes from elsewhere) is replaced by U+FFFD.
std::string to_text(const Json& j);

// {"id","userId","code","format","deviceId","createdAt","seq"}; seq is the
// creation's seq, also for a tombstone.
Json scan_json(const store::StoredScan& s);

// The scan:deleted event: {"id","userId","seq","deletedAt"}. Precondition: s.deleted().
Json deleted_event_json(const store::StoredScan& s);

// {"op":"created","scan":Scan} or {"op":"deleted","id","seq","deletedAt"}.
Json change_json(const store::StoredScan& s);

// {"ok":true,"changes":[…],"latestSeq":N,"hasMore":bool}
Json change_page_json(const store::ChangePage& page);

// {"scans":[Scan…],"latestSeq":N}
Json live_scans_json(const store::LivePage& live);

}  // namespace scansync::gateway
