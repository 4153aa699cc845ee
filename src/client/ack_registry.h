#pragma once
// Acks the client waits for: one entry per sent packet that asked for an
// ack, keyed by its Socket.IO ack id, each with an optional deadline. The
// registry only stores; the core decides when to call the handlers (always
// after its own state is consistent).
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "scansync/client/types.h"

namespace scansync::client {

class AckRegistry {
 public:
  // Ids are handed out in increasing order, never reused while the core lives
  // (Socket.IO ack ids are per socket; uniqueness avoids matching an ack of an
  // earlier transport to a new emit).
  std::uint64_t next_id();

  void add(std::uint64_t id, AckHandler handler, std::optional<TimePoint> deadline);

  // The handler waiting for `id`, removed; nullopt for an unknown id (a late
  // or duplicated ack, ignored like socket.io-client does).
  std::optional<AckHandler> take(std::uint64_t id);

  // Handlers whose deadline is <= now, removed, in id order.
  std::vector<AckHandler> take_expired(TimePoint now);

  // Every handler, removed, in id order.
  std::vector<AckHandler> take_all();

  // Linear in the number of pending acks, which stays small (in-flight emits).
  std::optional<TimePoint> earliest_deadline() const;

  std::size_t size() const { return pending_.size(); }
  bool empty() const { return pending_.empty(); }

 private:
  struct Pending {
    AckHandler handler;
    std::optional<TimePoint> deadline;
  };
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_id_ = 0;
};

}  // namespace scansync::client
