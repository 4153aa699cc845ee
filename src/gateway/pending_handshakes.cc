#include "gateway/pending_handshakes.h"

namespace scansync::gateway {

bool PendingHandshakes::try_begin(std::string_view address) {
  if (max_total_ != 0 && total_ >= max_total_) return false;
  auto [it, inserted] = by_address_.try_emplace(std::string(address), 0);
  if (max_per_address_ != 0 && it->second >= max_per_address_) return false;
  ++it->second;
  ++total_;
  return true;
}

void PendingHandshakes::end(std::string_view address) {
  auto it = by_address_.find(std::string(address));
  if (it == by_address_.end()) return;
  if (total_ > 0) --total_;
  if (--it->second == 0) by_address_.erase(it);
}

std::size_t PendingHandshakes::from(std::string_view address) const {
  auto it = by_address_.find(std::string(address));
  return it == by_address_.end() ? 0 : it->second;
}

}  // namespace scansync::gateway
