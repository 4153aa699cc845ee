// Subscriptions to the snapshots over the C ABI. The store calls a listener
// on the executor; the listener turns the snapshot into JSON and calls the
// C callback, unless it was unsubscribed, in which case no call starts.
#include <deque>
#include <string>

#include "capi/device_handle.h"
#include "capi/snapshot_json.h"

namespace {

namespace capi = scansync::capi;
namespace sd = scansync::device;

// A notification published while a callback of the same device runs on this
// thread (the callback scanned, deleted, …): told once that callback has
// returned, so callbacks never nest (and a subscription's `calling` is never
// taken twice by one thread).
struct Deferred {
  std::shared_ptr<capi::Subscription> sub;
  std::string json;
};
thread_local std::deque<Deferred>* t_deferred = nullptr;  // while delivering on this thread

void call(const scansync_device* dev, capi::Subscription& sub, const std::string& json) {
  if (!sub.active.load()) return;
  std::lock_guard lock(sub.calling);
  if (!sub.active.load()) return;
  capi::CallbackScope scope(dev, &sub);
  sub.cb(sub.user_data, json.c_str());
}

// On the executor. Nothing thrown here may reach the store's publisher.
template <class MakeJson>
void deliver(const scansync_device* dev, const std::shared_ptr<capi::Subscription>& sub,
             MakeJson make_json) noexcept {
  if (!sub->active.load()) return;
  try {
    if (t_deferred != nullptr && capi::CallbackScope::in_callback_of(dev)) {
      t_deferred->push_back({sub, make_json()});
      return;
    }
    std::deque<Deferred> deferred;
    struct Restore {
      std::deque<Deferred>* prev;
      ~Restore() { t_deferred = prev; }
    } restore{t_deferred};
    t_deferred = &deferred;
    call(dev, *sub, make_json());
    while (!deferred.empty()) {
      Deferred next = std::move(deferred.front());
      deferred.pop_front();
      call(dev, *next.sub, next.json);
    }
  } catch (...) {
    // Out of memory making the text: this change is not told; the next is.
  }
}

}  // namespace

extern "C" {

SCANSYNC_API int scansync_device_subscribe(scansync_device* dev, int kind, scansync_snapshot_fn cb, void* user_data,
                                           uint64_t* sub_id_out) {
  if (dev == nullptr) return SCANSYNC_ERR_INVALID_ARGUMENT;
  if (sub_id_out == nullptr) return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "sub_id_out is NULL");
  *sub_id_out = 0;
  if (cb == nullptr) return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "cb is NULL");
  if (kind != SCANSYNC_SUBSCRIBE_SCANS && kind != SCANSYNC_SUBSCRIBE_SYNC) {
    return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "kind is neither SCANSYNC_SUBSCRIBE_SCANS nor _SYNC");
  }
  if (dev->closed.load()) return capi::fail(dev, SCANSYNC_ERR_CLOSED, "the device is closed");
  return capi::guarded(dev, [&]() -> int {
    auto sub = std::make_shared<capi::Subscription>();
    sub->kind = kind;
    sub->cb = cb;
    sub->user_data = user_data;
    std::lock_guard lock(dev->mu);
    if (kind == SCANSYNC_SUBSCRIBE_SCANS) {
      sub->listener = dev->client->scans().subscribe(
          [dev, sub](const sd::ScanList& l) { deliver(dev, sub, [&] { return capi::scans_json(l); }); });
    } else {
      sub->listener = dev->client->sync().subscribe(
          [dev, sub](const sd::SyncState& s) { deliver(dev, sub, [&] { return capi::sync_json(s); }); });
    }
    const std::uint64_t id = ++dev->last_sub_id;
    dev->subscriptions.emplace(id, sub);
    *sub_id_out = id;
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_unsubscribe(scansync_device* dev, uint64_t sub_id) {
  if (dev == nullptr) return SCANSYNC_ERR_INVALID_ARGUMENT;
  return capi::guarded(dev, [&]() -> int {
    std::shared_ptr<capi::Subscription> sub;
    {
      std::lock_guard lock(dev->mu);
      const auto it = dev->subscriptions.find(sub_id);
      if (it != dev->subscriptions.end()) {
        sub = std::move(it->second);
        dev->subscriptions.erase(it);
      }
    }
    if (!sub) return capi::fail(dev, SCANSYNC_ERR_NOT_FOUND, "no subscription with that id");
    if (sub->kind == SCANSYNC_SUBSCRIBE_SCANS) {
      dev->client->scans().unsubscribe(sub->listener);
    } else {
      dev->client->sync().unsubscribe(sub->listener);
    }
    sub->active.store(false);
    // Wait out a call under way on the executor (it is not this thread's own).
    if (!capi::CallbackScope::in_callback_of(sub.get())) std::lock_guard wait(sub->calling);
    return SCANSYNC_OK;
  });
}

}  // extern "C"
