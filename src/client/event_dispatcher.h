#pragma once
// Subscriptions of the client: event handlers by name ("*" receives every
// event) and status handlers, sharing one id space for off().
//
// Re-entrancy: a handler may subscribe, unsubscribe or interrupt while a
// dispatch runs. A dispatch iterates a snapshot of the subscriptions taken
// when it starts: handlers added meanwhile wait for the next dispatch,
// handlers removed meanwhile are skipped, and a handler removing itself stays
// alive until it returns (the snapshot shares ownership).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scansync/client/types.h"

namespace scansync::client {

class EventDispatcher {
 public:
  static constexpr std::string_view kWildcard = "*";

  SubscriptionId on(std::string event, EventHandler handler);
  SubscriptionId on_status(StatusHandler handler);
  // Unknown or already removed ids are ignored.
  void off(SubscriptionId id);
  void clear();

  // Calls, in subscription order, every handler of `event.name` and every
  // wildcard handler.
  void dispatch(const Event& event);
  void dispatch(const StatusInfo& status);

  // Stops the dispatch in progress after the handler that is running (used
  // when a handler disconnects the client: nothing may be called after that).
  void interrupt() { ++generation_; }

  std::size_t size() const { return subs_.size(); }

 private:
  struct Subscription {
    SubscriptionId id = 0;
    std::string event;        // empty for status subscriptions
    bool is_status = false;
    bool active = true;
    EventHandler on_event;
    StatusHandler on_status;
  };
  std::vector<std::shared_ptr<Subscription>> snapshot(bool status, std::string_view name) const;

  std::vector<std::shared_ptr<Subscription>> subs_;
  SubscriptionId next_id_ = 1;
  std::uint64_t generation_ = 0;
};

}  // namespace scansync::client
