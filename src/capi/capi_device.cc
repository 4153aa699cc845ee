// The device's lifetime and commands over the C ABI: open, close, destroy,
// scan, delete, online/foreground/url, the snapshots and the last error.
#include <cstddef>
#include <cstring>

#include <nlohmann/json.hpp>

#include "auth/base64url.h"
#include "capi/device_handle.h"
#include "capi/snapshot_json.h"

namespace {

namespace capi = scansync::capi;
namespace sd = scansync::device;

// The fields every caller's struct has (struct_size covers at least these).
constexpr std::size_t kOptionsV1Size = offsetof(scansync_device_options, ca_file) + sizeof(const char*);

constexpr int kDefaultBackoffInitialMs = 1000;
constexpr int kDefaultBackgroundGraceMs = 5000;

bool empty(const char* s) { return s == nullptr || *s == '\0'; }

// The token's sub, read from the payload without checking the signature
// (the gateway checks it; here it only names the user's rows). "" if none.
std::string token_subject(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  const auto payload = scansync::auth::base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload) return {};
  const auto claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!claims.is_object() || !claims.contains("sub") || !claims["sub"].is_string()) return {};
  return claims["sub"].get<std::string>();
}

// Asked on the executor at every (re)connect. `dev` outlives the client.
scansync::client::TokenProvider token_provider(const scansync_device_options& o, const scansync_device* dev) {
  if (o.token_fn != nullptr) {
    return [fn = o.token_fn, user_data = o.token_user_data, dev]() -> std::string {
      try {
        capi::CallbackScope scope(dev, nullptr);
        const char* token = fn(user_data);
        return token == nullptr ? std::string() : std::string(token);
      } catch (...) {
        return {};  // no token: the connect is refused, and retried
      }
    };
  }
  return [token = std::string(o.token)] { return token; };
}

// The guard of a command: a usable handle, not closed.
int check_open(scansync_device* dev) {
  if (dev == nullptr) return SCANSYNC_ERR_INVALID_ARGUMENT;
  if (dev->closed.load()) return capi::fail(dev, SCANSYNC_ERR_CLOSED, "the device is closed");
  return SCANSYNC_OK;
}

template <class Snapshot>
int snapshot_json(scansync_device* dev, char** json_out, Snapshot make) {
  if (json_out == nullptr) return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "json_out is NULL");
  *json_out = nullptr;
  if (dev == nullptr) return SCANSYNC_ERR_INVALID_ARGUMENT;
  return capi::guarded(dev, [&]() -> int {
    char* text = capi::copy_string(make(*dev->client));
    if (text == nullptr) return capi::fail(dev, SCANSYNC_ERR_NO_MEMORY, "out of memory");
    *json_out = text;
    return SCANSYNC_OK;
  });
}

}  // namespace

extern "C" {

SCANSYNC_API void scansync_device_options_init(scansync_device_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof *opts);
  opts->struct_size = sizeof *opts;
  opts->start_online = 1;
}

SCANSYNC_API int scansync_device_open(const scansync_device_options* opts, scansync_device** out) {
  if (out == nullptr) return SCANSYNC_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  if (opts == nullptr || opts->struct_size < kOptionsV1Size) return SCANSYNC_ERR_INVALID_ARGUMENT;
  if (empty(opts->db_path)) return SCANSYNC_ERR_INVALID_ARGUMENT;
  if (opts->token_fn == nullptr && empty(opts->token)) return SCANSYNC_ERR_INVALID_ARGUMENT;
  if (opts->backoff_initial_ms < 0 || opts->background_grace_ms < 0) return SCANSYNC_ERR_INVALID_ARGUMENT;
  return capi::guarded(nullptr, [&]() -> int {
    auto dev = std::make_unique<scansync_device>();
    sd::DeviceClientOptions o;
    o.url = empty(opts->url) ? "" : opts->url;
    o.tokens = token_provider(*opts, dev.get());
    o.db_file = opts->db_path;
    o.user = !empty(opts->user) ? std::string(opts->user) : empty(opts->token) ? "" : token_subject(opts->token);
    if (o.user.empty()) return SCANSYNC_ERR_INVALID_ARGUMENT;  // no user, and no static token naming one
    o.core.backoff.initial = std::chrono::milliseconds(
        opts->backoff_initial_ms > 0 ? opts->backoff_initial_ms : kDefaultBackoffInitialMs);
    o.core.backoff.max_attempts = 1000000;  // a phone never gives up
    o.background_grace = std::chrono::milliseconds(
        opts->background_grace_ms > 0 ? opts->background_grace_ms : kDefaultBackgroundGraceMs);
    o.start_online = opts->start_online != 0;
    if (!empty(opts->ca_file)) o.tls.ca_file = opts->ca_file;

    auto opened = sd::DeviceClient::open(std::move(o));
    if (!opened) return capi::to_code(opened.error());
    dev->client = std::move(*opened);
    *out = dev.release();
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_close(scansync_device* dev) {
  if (dev == nullptr) return SCANSYNC_ERR_INVALID_ARGUMENT;
  if (capi::CallbackScope::in_callback_of(dev)) {
    return capi::fail(dev, SCANSYNC_ERR_IN_CALLBACK, "close from a callback of this device");
  }
  return capi::guarded(dev, [&]() -> int {
    std::lock_guard lock(dev->close_mu);
    dev->closed.store(true);
    dev->client->close();
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_destroy(scansync_device* dev) {
  if (dev == nullptr) return SCANSYNC_OK;
  if (capi::CallbackScope::in_callback_of(dev)) {
    return capi::fail(dev, SCANSYNC_ERR_IN_CALLBACK, "destroy from a callback of this device");
  }
  const int closed = scansync_device_close(dev);
  if (closed != SCANSYNC_OK) return closed;  // the executor may still run: freeing now would be unsafe
  return capi::guarded(nullptr, [&]() -> int {
    dev->client.reset();  // the stores and their listeners (the subscriptions) go with it
    delete dev;
    return SCANSYNC_OK;
  });
}

SCANSYNC_API const char* scansync_device_last_error(scansync_device* dev) {
  thread_local std::string copy;
  if (dev == nullptr) return scansync_error_message(SCANSYNC_ERR_INVALID_ARGUMENT);
  try {
    std::lock_guard lock(dev->mu);
    copy = dev->last_error;
  } catch (...) {
    return scansync_error_message(SCANSYNC_ERR_NO_MEMORY);
  }
  return copy.c_str();
}

SCANSYNC_API int scansync_device_scan(scansync_device* dev, const char* code, const char* format, char* id_out,
                                      size_t id_out_len) {
  if (int rc = check_open(dev)) return rc;
  if (code == nullptr) return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "code is NULL");
  if (id_out == nullptr && id_out_len != 0) return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "id_out is NULL");
  if (id_out != nullptr && id_out_len < SCANSYNC_ID_BUFFER_SIZE) {
    return capi::fail(dev, SCANSYNC_ERR_BUFFER_TOO_SMALL, "id_out must hold SCANSYNC_ID_BUFFER_SIZE (37) bytes");
  }
  return capi::guarded(dev, [&]() -> int {
    auto made = dev->client->scan(code, format == nullptr ? "qr" : format);
    if (!made) return capi::fail(dev, made.error());
    if (id_out != nullptr) {
      const std::string& id = made->id;
      if (id.size() + 1 > id_out_len) return capi::fail(dev, SCANSYNC_ERR_BUFFER_TOO_SMALL, "id longer than id_out");
      std::memcpy(id_out, id.c_str(), id.size() + 1);
    }
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_delete(scansync_device* dev, const char* id) {
  if (int rc = check_open(dev)) return rc;
  if (id == nullptr) return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "id is NULL");
  return capi::guarded(dev, [&]() -> int {
    if (auto ec = dev->client->remove(id)) return capi::fail(dev, ec);
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_set_online(scansync_device* dev, int online) {
  if (int rc = check_open(dev)) return rc;
  return capi::guarded(dev, [&]() -> int {
    dev->client->set_online(online != 0);
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_set_foreground(scansync_device* dev, int foreground) {
  if (int rc = check_open(dev)) return rc;
  return capi::guarded(dev, [&]() -> int {
    dev->client->set_foreground(foreground != 0);
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_set_url(scansync_device* dev, const char* url) {
  if (int rc = check_open(dev)) return rc;
  if (url == nullptr) return capi::fail(dev, SCANSYNC_ERR_INVALID_ARGUMENT, "url is NULL");
  return capi::guarded(dev, [&]() -> int {
    if (auto ec = dev->client->set_url(url)) return capi::fail(dev, ec);
    return SCANSYNC_OK;
  });
}

SCANSYNC_API int scansync_device_scans_json(scansync_device* dev, char** json_out) {
  return snapshot_json(dev, json_out, [](sd::DeviceClient& c) { return capi::scans_json(c.scans().snapshot()); });
}

SCANSYNC_API int scansync_device_sync_json(scansync_device* dev, char** json_out) {
  return snapshot_json(dev, json_out, [](sd::DeviceClient& c) { return capi::sync_json(c.sync().snapshot()); });
}

}  // extern "C"
