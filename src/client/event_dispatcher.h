#pragma once
// Subscriptions of the client: event handlers by name ("*" receives every
// event) and status handlers, sharing one id space for off().
//
// Re-entrancy: a handler may subscribe, unsubscribe or interrupt while a
// dispatch runs. A dispatch sees the subscriptions as they were when it
// started: handlers added meanwhile wait for the next dispatch (their ids are
// newer than the dispatch), handlers removed meanwhile are skipped, and a
// handler removing itself stays alive until it returns (removal during a
// dispatch only marks the entry; the list is compacted once no dispatch
// runs). So a dispatch copies nothing and allocates nothing.
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

  std::size_t size() const { return active_; }

 private:
  struct Subscription {
    SubscriptionId id = 0;
    std::string event;        // empty for status subscriptions
    bool is_status = false;
    bool active = true;
    EventHandler on_event;
    StatusHandler on_status;
  };
  Subscription& add();  // a new active subscription with the next id, at the back
  template <class Call>
  void dispatch_to(bool status, std::string_view name, Call call);
  void compact();

  // In subscription (= id) order. Entries are heap objects so a running
  // handler stays put when the vector grows.
  std::vector<std::unique_ptr<Subscription>> subs_;
  std::size_t active_ = 0;
  int dispatching_ = 0;          // nesting depth of dispatch()
  bool has_inactive_ = false;    // entries removed during a dispatch, not yet erased
  SubscriptionId next_id_ = 1;
  std::uint64_t generation_ = 0;
};

}  // namespace scansync::client
