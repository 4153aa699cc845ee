#include "event_dispatcher.h"

#include <algorithm>
#include <utility>

namespace scansync::client {

SubscriptionId EventDispatcher::on(std::string event, EventHandler handler) {
  auto s = std::make_shared<Subscription>();
  s->id = next_id_++;
  s->event = std::move(event);
  s->on_event = std::move(handler);
  subs_.push_back(s);
  return s->id;
}

SubscriptionId EventDispatcher::on_status(StatusHandler handler) {
  auto s = std::make_shared<Subscription>();
  s->id = next_id_++;
  s->is_status = true;
  s->on_status = std::move(handler);
  subs_.push_back(s);
  return s->id;
}

void EventDispatcher::off(SubscriptionId id) {
  auto it = std::find_if(subs_.begin(), subs_.end(), [id](const auto& s) { return s->id == id; });
  if (it == subs_.end()) return;
  (*it)->active = false;  // a snapshot holding it skips it from now on
  subs_.erase(it);
}

void EventDispatcher::clear() {
  for (auto& s : subs_) s->active = false;
  subs_.clear();
}

std::vector<std::shared_ptr<EventDispatcher::Subscription>> EventDispatcher::snapshot(bool status,
                                                                                    std::string_view name) const {
  std::vector<std::shared_ptr<Subscription>> out;
  for (const auto& s : subs_) {
    if (s->is_status != status) continue;
    if (!status && s->event != name && s->event != kWildcard) continue;
    out.push_back(s);
  }
  return out;
}

void EventDispatcher::dispatch(const Event& event) {
  const auto generation = generation_;
  for (const auto& s : snapshot(false, event.name)) {
    if (generation_ != generation) return;
    if (!s->active || !s->on_event) continue;
    s->on_event(event);
  }
}

void EventDispatcher::dispatch(const StatusInfo& status) {
  const auto generation = generation_;
  for (const auto& s : snapshot(true, {})) {
    if (generation_ != generation) return;
    if (!s->active || !s->on_status) continue;
    s->on_status(status);
  }
}

}  // namespace scansync::client
