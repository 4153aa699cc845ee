#include "ack_registry.h"

#include <utility>

namespace scansync::client {

std::uint64_t AckRegistry::next_id() {
  // kMaxAckId (2^53 - 1) is out of reach in practice; wrap defensively.
  if (next_id_ >= (1ull << 53) - 1) next_id_ = 0;
  return next_id_++;
}

void AckRegistry::add(std::uint64_t id, AckHandler handler, std::optional<TimePoint> deadline) {
  pending_[id] = Pending{std::move(handler), deadline};
}

std::optional<AckHandler> AckRegistry::take(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  AckHandler h = std::move(it->second.handler);
  pending_.erase(it);
  return h;
}

std::vector<AckHandler> AckRegistry::take_expired(TimePoint now) {
  std::vector<AckHandler> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline && *it->second.deadline <= now) {
      out.push_back(std::move(it->second.handler));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<AckHandler> AckRegistry::take_all() {
  std::vector<AckHandler> out;
  out.reserve(pending_.size());
  for (auto& [id, p] : pending_) out.push_back(std::move(p.handler));
  pending_.clear();
  return out;
}

std::optional<TimePoint> AckRegistry::earliest_deadline() const {
  std::optional<TimePoint> best;
  for (const auto& [id, p] : pending_) {
    if (p.deadline && (!best || *p.deadline < *best)) best = p.deadline;
  }
  return best;
}

}  // namespace scansync::client
