#include "scansync/device/network_monitor.h"

namespace scansync::device {

ManualNetworkMonitor::ManualNetworkMonitor(bool initially_online) : state_(initially_online) {}

ManualNetworkMonitor::~ManualNetworkMonitor() { stop(); }

void ManualNetworkMonitor::start(Handler handler) {
  std::unique_lock lock(mu_);
  if (started_) return;
  started_ = true;
  handler_ = std::make_shared<const Handler>(std::move(handler));
  delivered_.reset();
  pending_.assign(1, state_);  // the initial call
  deliver(lock);
}

void ManualNetworkMonitor::stop() {
  std::unique_lock lock(mu_);
  started_ = false;
  pending_.clear();
  handler_.reset();  // a running h keeps its own reference
  if (delivering_ && delivering_thread_ != std::this_thread::get_id()) {
    idle_.wait(lock, [&] { return !delivering_; });
  }
}

bool ManualNetworkMonitor::online() const { return online_.load(); }

void ManualNetworkMonitor::set_online(bool online) {
  std::unique_lock lock(mu_);
  if (online == state_) return;
  state_ = online;
  if (!started_) return;
  pending_.push_back(online);
  deliver(lock);
}

void ManualNetworkMonitor::deliver(std::unique_lock<std::mutex>& lock) {
  if (delivering_) return;  // that loop (maybe our caller, inside h) takes the new entries
  delivering_ = true;
  delivering_thread_ = std::this_thread::get_id();
  while (started_ && !pending_.empty()) {
    const bool v = pending_.front();
    pending_.pop_front();
    if (delivered_ == v) continue;  // a flip and its undo both queued: still no repeat
    delivered_ = v;
    online_.store(v);
    const auto h = handler_;
    lock.unlock();
    (*h)(v);
    lock.lock();
  }
  delivering_ = false;
  delivering_thread_ = {};
  idle_.notify_all();
}

}  // namespace scansync::device
