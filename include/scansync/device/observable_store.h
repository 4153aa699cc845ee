#pragma once
// ObservableStore<T>: a value the UI reads and watches (the app's zustand
// stores). The client publishes a new snapshot after each change it made
// (one per applied batch, one per status change); subscribers are told with
// the new value.
//
// Threading: snapshot(), subscribe() and unsubscribe() are safe from any
// thread (a mutex guards the value and the listener list). Listeners run on
// the publishing thread (the client's executor), outside the lock, so a
// listener may read snapshot() or unsubscribe; it must not block on the
// client. A listener unsubscribed from another thread may still receive the
// notification already under way.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace scansync::device {

template <class T>
class ObservableStore {
 public:
  using Listener = std::function<void(const T&)>;
  using ListenerId = std::uint64_t;

  ListenerId subscribe(Listener listener) {
    std::lock_guard lock(mu_);
    const ListenerId id = ++last_id_;
    listeners_.emplace(id, std::move(listener));
    return id;
  }
  void unsubscribe(ListenerId id) {
    std::lock_guard lock(mu_);
    listeners_.erase(id);
  }
  T snapshot() const {
    std::lock_guard lock(mu_);
    return value_;
  }

  // The publisher's side. Returns false (and tells no one) when `value`
  // equals the current one.
  bool publish(T value) {
    std::vector<Listener> to_call;
    {
      std::lock_guard lock(mu_);
      if (value == value_) return false;
      value_ = std::move(value);
      to_call.reserve(listeners_.size());
      for (const auto& [id, l] : listeners_) to_call.push_back(l);
    }
    const T copy = snapshot();
    for (const auto& l : to_call) l(copy);
    return true;
  }

 private:
  mutable std::mutex mu_;
  T value_{};
  ListenerId last_id_ = 0;
  std::map<ListenerId, Listener> listeners_;
};

}  // namespace scansync::device
