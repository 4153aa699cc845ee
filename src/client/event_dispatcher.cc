#include "event_dispatcher.h"

#include <algorithm>
#include <utility>

namespace scansync::client {

SubscriptionId EventDispatcher::on(std::string event, EventHandler handler) {
  Subscription& s = add();
  s.event = std::move(event);
  s.on_event = std::move(handler);
  return s.id;
}

SubscriptionId EventDispatcher::on_status(StatusHandler handler) {
  Subscription& s = add();
  s.is_status = true;
  s.on_status = std::move(handler);
  return s.id;
}

EventDispatcher::Subscription& EventDispatcher::add() {
  subs_.push_back(std::make_unique<Subscription>());
  subs_.back()->id = next_id_++;
  ++active_;
  return *subs_.back();
}

void EventDispatcher::off(SubscriptionId id) {
  // Ids increase along the vector.
  auto it = std::lower_bound(subs_.begin(), subs_.end(), id, [](const auto& s, SubscriptionId v) { return s->id < v; });
  if (it == subs_.end() || (*it)->id != id || !(*it)->active) return;
  (*it)->active = false;  // a dispatch in progress skips it from now on
  --active_;
  if (dispatching_ > 0) {
    has_inactive_ = true;  // its handler may be running: erased after the dispatch
  } else {
    subs_.erase(it);
  }
}

void EventDispatcher::clear() {
  for (auto& s : subs_) s->active = false;
  active_ = 0;
  if (dispatching_ > 0) {
    has_inactive_ = true;
  } else {
    subs_.clear();
  }
}

void EventDispatcher::compact() {
  std::erase_if(subs_, [](const auto& s) { return !s->active; });
  has_inactive_ = false;
}

// Indices, not iterators: handlers may append to subs_ (which moves the
// pointers, not the subscriptions), and nothing is erased while dispatching_.
template <class Call>
void EventDispatcher::dispatch_to(bool status, std::string_view name, Call call) {
  const auto generation = generation_;
  const SubscriptionId newest = next_id_;  // later subscriptions wait for the next dispatch
  const std::size_t n = subs_.size();
  ++dispatching_;
  struct Done {
    EventDispatcher& d;
    ~Done() {
      if (--d.dispatching_ == 0 && d.has_inactive_) d.compact();
    }
  } done{*this};
  for (std::size_t i = 0; i < n && i < subs_.size(); ++i) {
    Subscription* s = subs_[i].get();
    if (s->id >= newest) break;
    if (!s->active || s->is_status != status) continue;
    if (!status && s->event != name && s->event != kWildcard) continue;
    if (generation_ != generation) return;
    call(*s);
  }
}

void EventDispatcher::dispatch(const Event& event) {
  dispatch_to(false, event.name, [&event](Subscription& s) {
    if (s.on_event) s.on_event(event);
  });
}

void EventDispatcher::dispatch(const StatusInfo& status) {
  dispatch_to(true, {}, [&status](Subscription& s) {
    if (s.on_status) s.on_status(status);
  });
}

}  // namespace scansync::client
