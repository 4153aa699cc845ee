#pragma once
// What a scansync_device* points to, and what every entry point of the C
// ABI shares: the error mapping, the exception fence, the callback scope.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/device/device_client.h"
#include "scansync/scansync.h"

namespace scansync::capi {

// One scansync_device_subscribe(). Shared by the handle's table and the
// store's listener, so a notification already copied out of the store's
// list finds it alive after unsubscribe.
struct Subscription {
  int kind = 0;
  scansync_snapshot_fn cb = nullptr;
  void* user_data = nullptr;
  std::uint64_t listener = 0;  // the id in the store's listener list
  // false once unsubscribed: no call starts after that. `calling` is held
  // for the length of each call, so unsubscribe can wait out one under way.
  std::atomic<bool> active{true};
  std::mutex calling;
};

}  // namespace scansync::capi

struct scansync_device {
  // Set by open; stopped (not freed) by close, so a call racing with close
  // meets a closed client rather than a freed one; freed by destroy, before
  // the rest of the handle (its token callback uses the handle).
  std::unique_ptr<scansync::device::DeviceClient> client;
  std::atomic<bool> closed{false};
  std::mutex close_mu;  // a second close waits for the first to finish

  std::mutex mu;  // guards what follows
  std::string last_error;
  std::uint64_t last_sub_id = 0;
  std::map<std::uint64_t, std::shared_ptr<scansync::capi::Subscription>> subscriptions;
};

namespace scansync::capi {

// The C code of an error of the device client, its store or its transport.
int to_code(std::error_code ec) noexcept;

// Keeps `detail` as dev's last error (when dev is not null) and returns code.
int fail(scansync_device* dev, int code, std::string_view detail) noexcept;
inline int fail(scansync_device* dev, std::error_code ec) noexcept {
  try {
    return fail(dev, to_code(ec), ec.message());
  } catch (...) {
    return fail(dev, to_code(ec), "");
  }
}

// The exception fence of every entry point: f's result, or the error of what
// it threw (nothing crosses into C).
template <class F>
int guarded(scansync_device* dev, F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(dev, SCANSYNC_ERR_NO_MEMORY, "out of memory");
  } catch (const std::system_error& e) {
    return fail(dev, SCANSYNC_ERR_INTERNAL, e.what());
  } catch (const std::exception& e) {
    return fail(dev, SCANSYNC_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(dev, SCANSYNC_ERR_INTERNAL, "unknown exception");
  }
}

// Marks this thread as running a callback of `dev` (and of `sub`, for a
// subscription) while it lives: close and destroy refuse to run there, and
// unsubscribe of that subscription does not wait for itself.
class CallbackScope {
 public:
  CallbackScope(const scansync_device* dev, const Subscription* sub) noexcept;
  ~CallbackScope();
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

  static bool in_callback_of(const scansync_device* dev) noexcept;
  static bool in_callback_of(const Subscription* sub) noexcept;

 private:
  const scansync_device* prev_dev_;
  const Subscription* prev_sub_;
};

// A copy the caller frees with scansync_string_free(); nullptr when out of memory.
char* copy_string(const std::string& s) noexcept;

}  // namespace scansync::capi
