#include "fanout/redis_subscriptions.h"

namespace scansync::fanout {

SubscriptionActions RedisSubscriptions::want(std::string_view user, const std::string& channel) {
  SubscriptionActions out;
  Entry& e = channels_[channel];
  if (e.wanted) return out;
  e.wanted = true;
  e.user = std::string(user);
  ++wanted_;
  if (up_ && e.state == State::idle) {
    e.state = State::subscribing;
    out.subscribe.push_back(channel);
  }
  return out;  // subscribing/unsubscribing: the reply decides; subscribed: nothing to do
}

SubscriptionActions RedisSubscriptions::drop(const std::string& channel) {
  SubscriptionActions out;
  auto it = channels_.find(channel);
  if (it == channels_.end() || !it->second.wanted) return out;
  Entry& e = it->second;
  e.wanted = false;
  --wanted_;
  if (e.state == State::idle) {
    channels_.erase(it);
  } else if (e.state == State::subscribed) {
    e.state = State::unsubscribing;
    out.unsubscribe.push_back(channel);
  }
  return out;
}

SubscriptionActions RedisSubscriptions::link_up() {
  SubscriptionActions out;
  up_ = true;
  restore_pending_ = 0;
  for (auto& [channel, e] : channels_) {
    e.state = State::subscribing;
    e.part_of_restore = true;
    ++restore_pending_;
    out.subscribe.push_back(channel);
  }
  if (restore_pending_ == 0) out.link_restored = true;
  return out;
}

void RedisSubscriptions::link_down() {
  up_ = false;
  restore_pending_ = 0;
  for (auto it = channels_.begin(); it != channels_.end();) {
    if (!it->second.wanted) {
      it = channels_.erase(it);
    } else {
      it->second.state = State::idle;
      it->second.part_of_restore = false;
      ++it;
    }
  }
}

void RedisSubscriptions::confirm_restore(Entry& e, SubscriptionActions& out) {
  if (!e.part_of_restore) return;
  e.part_of_restore = false;
  if (restore_pending_ > 0 && --restore_pending_ == 0) out.link_restored = true;
}

SubscriptionActions RedisSubscriptions::on_subscribe_reply(const std::string& channel) {
  SubscriptionActions out;
  auto it = channels_.find(channel);
  if (it == channels_.end() || it->second.state != State::subscribing) return out;
  Entry& e = it->second;
  e.state = State::subscribed;
  const bool restoring = e.part_of_restore;
  confirm_restore(e, out);
  if (!e.wanted) {
    e.state = State::unsubscribing;
    out.unsubscribe.push_back(channel);
  } else if (!restoring) {
    out.subscribed.push_back(e.user);
  }
  return out;
}

SubscriptionActions RedisSubscriptions::on_unsubscribe_reply(const std::string& channel) {
  SubscriptionActions out;
  auto it = channels_.find(channel);
  if (it == channels_.end() || it->second.state != State::unsubscribing) return out;
  Entry& e = it->second;
  if (!e.wanted) {
    channels_.erase(it);
    return out;
  }
  e.state = State::subscribing;  // wanted again while the UNSUBSCRIBE was in flight
  out.subscribe.push_back(channel);
  return out;
}

const std::string* RedisSubscriptions::user_of(const std::string& channel) const {
  auto it = channels_.find(channel);
  return it != channels_.end() && it->second.wanted ? &it->second.user : nullptr;
}

bool RedisSubscriptions::in_sync() const {
  for (const auto& [channel, e] : channels_)
    if (!e.wanted || e.state != State::subscribed) return false;
  return up_;
}

}  // namespace scansync::fanout
