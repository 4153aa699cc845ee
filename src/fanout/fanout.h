#pragma once
// The fan-out seam: how a committed change reaches the user's sockets on
// every gateway node. One interface, two implementations:
//   LocalFanout (local_fanout.h)  one node; the change goes to this node's
//                                 sockets and nowhere else (today's rooms).
//   RedisFanout (redis_fanout.h)  several nodes; Redis PUBLISH/SUBSCRIBE on a
//                                 channel per user carries the change.
//
// The store's per-user seq is the truth, the fan-out only the fast path: a
// Fanout may lose, repeat or reorder deliveries when its link fails. It says
// so (on_subscribed, on_link_restored, hints) and the node repairs the order
// from the store with a GapTracker (gap_tracker.h) between the sink and the
// sockets, so that sockets see every change once, in seq order.
//
// Contract of every implementation:
// - publish() hands the change to the publishing node's own sink before it
//   returns, whatever the state of any link: a fan-out that is down never
//   stops a node serving its own sockets.
// - The frame is encoded once, by the publisher. A receiving node gets the
//   same bytes and hands one shared buffer to all its sockets.
// - subscribe()/unsubscribe() are idempotent: the node calls subscribe on the
//   first local socket of a user and unsubscribe on the last one. Only
//   subscribed users are delivered from other nodes.
// - Every callback into the sink runs on the node's event loop, never from
//   inside publish()/subscribe()/unsubscribe() except publish's own local
//   delivery; the sink may call back into the Fanout (except destroying it).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace scansync::fanout {

// One encoded Engine.IO packet ("42[...]" text, or the bytes of a binary
// message), immutable and shared. gateway::Frame holds the same pointer, so
// handing it to sockets copies nothing.
struct EncodedFrame {
  std::shared_ptr<const std::string> bytes;
  bool binary = false;
  bool empty() const { return !bytes; }
};
EncodedFrame text_frame(std::string text);

// A change announced by some node. `frame` is empty for a hint: "seq exists,
// fetch it from the store" (a node sends hints for changes it could not
// publish while its link was down).
struct Delivery {
  std::string_view user;
  std::int64_t seq = 0;
  std::string_view epoch;  // the store's epoch at the publisher; "" if unknown
  EncodedFrame frame;
  bool from_this_node = false;  // publish()'s own local delivery
};

// The node side. Implemented by the gateway (usually by forwarding to a
// GapTracker, see gap_tracker.h's TrackingSink).
class FanoutSink {
 public:
  virtual void on_delivery(const Delivery& delivery) = 0;
  // The subscription of `user` is now in effect: changes published before
  // may have been missed (the node read the user's latest seq earlier).
  virtual void on_subscribed(std::string_view user) = 0;
  // The link is up (again) and every subscribed user's subscription is in
  // effect: anything published while it was down is missing. Also called on
  // the first connection.
  virtual void on_link_restored() = 0;

 protected:
  ~FanoutSink() = default;
};

using Micros = std::chrono::microseconds;

struct LinkStatus {
  bool up = false;
  std::string last_error;      // "" until a failure
  std::uint64_t connects = 0;  // successful connections
  std::uint64_t losses = 0;    // connections lost or attempts failed
};

// For /healthz details and /metrics.
struct FanoutStatus {
  std::string kind;  // "local" | "redis"
  bool up = true;    // every link up (a LocalFanout is always up)
  LinkStatus publisher;
  LinkStatus subscriber;
  std::uint64_t published = 0;       // publish() calls
  std::uint64_t publish_failed = 0;  // not sent (link down) or lost in flight
  std::uint64_t hints_sent = 0;      // re-announcements of failed publishes once back
  std::uint64_t received = 0;        // messages that arrived from the link
  std::uint64_t delivered = 0;       // deliveries handed to the sink from other nodes
  std::uint64_t own_ignored = 0;     // this node's own messages coming back
  std::uint64_t dropped_garbled = 0;   // not a fan-out message
  std::uint64_t dropped_oversized = 0; // longer than the limit
  std::uint64_t dropped_unsubscribed = 0;  // for a user no longer subscribed
  std::uint64_t links_restored = 0;
  std::size_t subscribed_users = 0;
  std::optional<Micros> last_publish_latency;  // PUBLISH sent → Redis answered
  std::optional<Micros> max_publish_latency;
};

class Fanout {
 public:
  virtual ~Fanout() = default;
  // After the change with `seq` of `user` is committed.
  virtual void publish(std::string_view user, std::int64_t seq, std::string_view epoch, EncodedFrame frame) = 0;
  virtual void subscribe(std::string_view user) = 0;
  virtual void unsubscribe(std::string_view user) = 0;
  virtual FanoutStatus status() const = 0;
};

}  // namespace scansync::fanout
