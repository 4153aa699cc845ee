#include "outbound_queue.h"

#include <utility>

namespace scansync::client {

std::optional<QueuedEmit> OutboundQueue::push(QueuedEmit emit) {
  if (capacity_ == 0) {
    ++dropped_;
    return emit;
  }
  std::optional<QueuedEmit> dropped;
  if (items_.size() >= capacity_) {
    dropped = std::move(items_.front());
    items_.pop_front();
    ++dropped_;
  }
  items_.push_back(std::move(emit));
  return dropped;
}

std::deque<QueuedEmit> OutboundQueue::take_all() {
  std::deque<QueuedEmit> out;
  out.swap(items_);
  return out;
}

}  // namespace scansync::client
