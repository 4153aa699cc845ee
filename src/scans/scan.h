#pragma once
// The scan domain's stored shapes, shared by every ScanRepository engine
// (SQLite: src/store, PostgreSQL: src/postgres) and the service above them.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace scansync::scans {

// A create as the service hands it in: validated, id and created_at canonical.
struct NewScan {
  std::string id, code, format, device_id, created_at;
};

struct StoredScan {
  std::string user, id, code, format, device_id, created_at;
  std::int64_t seq = 0;                      // seq of the creation
  std::optional<std::int64_t> deleted_seq;   // set once deleted (tombstone)
  std::optional<std::int64_t> deleted_at_ms; // unix ms, set with deleted_seq
  bool deleted() const { return deleted_seq.has_value(); }
  std::int64_t change_seq() const { return deleted_seq.value_or(seq); }
  friend bool operator==(const StoredScan&, const StoredScan&) = default;
};

// Roughly the bytes of the row's JSON in a reply (its texts plus a fixed
// allowance for member names and numbers; escapes not counted): what the page
// byte bounds count.
std::size_t wire_size(const StoredScan& s);
inline constexpr std::size_t kNoByteLimit = std::numeric_limits<std::size_t>::max();

struct ChangePage {
  std::vector<StoredScan> changes;  // ordered by change_seq(), all > the cursor
  std::int64_t latest_seq = 0;      // the user's last seq
  std::string epoch;                // the store's epoch
  bool has_more = false;            // more changes follow the last one listed
};

struct LivePage {
  std::vector<StoredScan> scans;           // live scans, newest (highest seq) first
  std::int64_t latest_seq = 0;             // the user's last seq
  std::string epoch;                       // the store's epoch
  std::optional<std::int64_t> next_before; // set when more follow: pass as `before` for the next page
};

}  // namespace scansync::scans
