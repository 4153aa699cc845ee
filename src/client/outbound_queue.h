#pragma once
// Emits waiting for a connection: a bounded FIFO. When full, the oldest emit
// is dropped (the newest data is the most relevant to the user) and handed
// back so its ack can be failed with errc::dropped.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "scansync/client/types.h"

namespace scansync::client {

struct QueuedEmit {
  std::string data;  // the Socket.IO EVENT data: ["event", ...args], valid JSON
  AckHandler ack;    // may be empty
};

class OutboundQueue {
 public:
  explicit OutboundQueue(std::size_t capacity) : capacity_(capacity) {}

  // Appends `emit`. Returns the dropped oldest emit when the queue was full.
  // With capacity 0 nothing is kept: `emit` itself comes back as dropped.
  std::optional<QueuedEmit> push(QueuedEmit emit);

  // Removes and returns everything in FIFO order.
  std::deque<QueuedEmit> take_all();

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t dropped_count() const { return dropped_; }

 private:
  std::size_t capacity_;
  std::deque<QueuedEmit> items_;
  std::uint64_t dropped_ = 0;
};

}  // namespace scansync::client
