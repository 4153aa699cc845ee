#pragma once
// ScanView: the newest live scans and the count of all, kept in memory by the
// store so that publishing the view after each catch-up page costs no
// O(rows) query (a count(*) and a 1,000-row read per page made a catch-up
// quadratic). Pure: no SQLite; the store feeds it the rows each committed
// transaction actually wrote or deleted.
//
// Invariants: rows, when known, are exactly the newest min(limit, count)
// live scans, newest first (created_at descending, then id descending: the
// order of DeviceStore::scans); rows are known only while the count is.
// Every scan not in the rows is therefore older than the last row.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/device/device_store.h"

namespace scansync::device::detail {

// True when a comes before b in the view (newer).
bool newer(const Scan& a, const Scan& b);

// What one committed transaction did to one scans row. Points into the
// caller's changes (no copy per row): valid until ScanView::apply returns.
struct RowChange {
  enum class Kind { inserted, updated, removed };
  Kind kind = Kind::inserted;
  // inserted/updated: the row's fields as stored now, except that user_id is
  // the view's user and, when from_server, synced is true.
  const Scan* row = nullptr;
  bool from_server = false;
  std::string_view id;  // removed: the id whose row went
};

class ScanView {
 public:
  explicit ScanView(std::string user = {}) : user_(std::move(user)) {}
  std::optional<std::size_t> count() const { return count_; }
  // The rows when known at this limit, else nullptr.
  const std::vector<Scan>* rows(std::size_t limit) const;

  void set_count(std::size_t count);
  // The newest `limit` rows, newest first, as just read with the count
  // (which must be known).
  void set_rows(std::size_t limit, std::vector<Scan> rows);
  // Nothing is known any more (a history reset, another connection's write).
  void forget();

  // One committed transaction's changes, in the order they ran. The count
  // moves by the rows inserted and removed; the rows are merged from the
  // changes when that is certain, and forgotten (to be read again) when not:
  // a delete of a visible row while older rows exist that the view never
  // held.
  void apply(const std::vector<RowChange>& changes);

 private:
  Scan stored(const RowChange& c) const;

  std::string user_;
  std::optional<std::size_t> count_;
  std::optional<std::size_t> limit_;  // set while the rows are known
  std::vector<Scan> rows_;
};

}  // namespace scansync::device::detail
