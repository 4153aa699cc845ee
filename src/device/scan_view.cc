#include "device/scan_view.h"

#include <algorithm>
#include <unordered_map>

namespace scansync::device::detail {

bool newer(const Scan& a, const Scan& b) {
  if (a.created_at != b.created_at) return a.created_at > b.created_at;
  return a.id > b.id;
}

const std::vector<Scan>* ScanView::rows(std::size_t limit) const {
  return limit_ && *limit_ == limit ? &rows_ : nullptr;
}

void ScanView::set_count(std::size_t count) { count_ = count; }

void ScanView::set_rows(std::size_t limit, std::vector<Scan> rows) {
  if (!count_) return;
  limit_ = limit;
  rows_ = std::move(rows);
}

void ScanView::forget() {
  count_.reset();
  limit_.reset();
  rows_.clear();
}

Scan ScanView::stored(const RowChange& c) const {
  Scan s = *c.row;
  s.user_id = user_;
  if (c.from_server) s.synced = true;
  return s;
}

void ScanView::apply(const std::vector<RowChange>& changes) {
  if (changes.empty() || !count_) return;
  const std::size_t count_before = *count_;
  std::size_t inserted = 0;
  std::size_t removed = 0;
  for (const auto& c : changes) {
    if (c.kind == RowChange::Kind::inserted) ++inserted;
    if (c.kind == RowChange::Kind::removed) ++removed;
  }
  if (removed > count_before + inserted) return forget();  // cannot be: read everything again
  count_ = count_before + inserted - removed;
  if (!limit_ || *limit_ == 0) return;
  const std::size_t limit = *limit_;

  // Unseen rows (live, never in the view, untouched by this batch) are all
  // older than the view's last row before it: below that row nothing is
  // certain.
  const bool had_unseen = count_before > rows_.size();
  std::optional<Scan> floor;
  if (had_unseen && !rows_.empty()) floor = rows_.back();

  std::vector<const RowChange*> fresh;
  fresh.reserve(changes.size());
  if (inserted == changes.size()) {
    // Only new ids (a catch-up page): none is in the view, none repeats.
    for (const auto& c : changes) fresh.push_back(&c);
  } else {
    // The last state of each id the transaction touched (nullptr: removed).
    std::unordered_map<std::string_view, const RowChange*> last;
    last.reserve(changes.size());
    for (const auto& c : changes) {
      if (c.kind == RowChange::Kind::removed) {
        last[c.id] = nullptr;
      } else {
        last[c.row->id] = &c;
      }
    }
    std::erase_if(rows_, [&](const Scan& s) { return last.count(s.id) != 0; });
    for (const auto& [id, c] : last) {
      if (c) fresh.push_back(c);
    }
  }
  const auto fresh_newer = [](const RowChange* a, const RowChange* b) { return newer(*a->row, *b->row); };
  std::sort(fresh.begin(), fresh.end(), fresh_newer);

  const std::size_t known = rows_.size() + fresh.size();
  if (known > *count_) return forget();  // more rows than live ones: read everything again
  const std::size_t unseen = *count_ - known;

  // Merge the newest `limit`; only the fresh rows that make it are copied.
  std::vector<Scan> merged;
  merged.reserve(std::min(limit, known));
  std::size_t i = 0;
  std::size_t j = 0;
  while (merged.size() < limit && (i < rows_.size() || j < fresh.size())) {
    if (j == fresh.size() || (i < rows_.size() && newer(rows_[i], *fresh[j]->row))) {
      merged.push_back(std::move(rows_[i++]));
    } else {
      merged.push_back(stored(*fresh[j++]));
    }
  }
  if (unseen > 0 && (!floor || merged.size() < limit || newer(*floor, merged.back()))) {
    // A visible row went and an unseen one may take its place: read the rows
    // again (the count is right).
    limit_.reset();
    rows_.clear();
    return;
  }
  rows_ = std::move(merged);
}

}  // namespace scansync::device::detail
