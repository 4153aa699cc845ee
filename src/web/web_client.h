#pragma once
// WebClient: one browser client. The portable ClientDriver over a Platform
// whose transport and timer are the page's (browser_imports.h), plus the
// ScanFeed that turns live events and the catch-up after every connect into
// scan:created / scan:deleted, each once and in seq order, as the native
// watcher does.
//
// Lifetime: destroyed by wasm_exports.cc when the JS side says no call into
// it is on the stack; the driver then drops its socket and timer and calls
// nothing more.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/client/client_driver.h"
#include "browser_imports.h"
#include "scansync/client/scan_feed.h"

namespace scansync::web {

struct WebOptions {
  client::ClientOptions core;
  bool catch_up = true;  // false: scan events are passed on raw, with no feed
  client::ScanFeedOptions feed;
};

// `args` as the text of one JSON array.
std::string json_array(const std::vector<std::string_view>& args);

class WebClient final : public client::Platform {
 public:
  explicit WebClient(WebOptions options);
  ~WebClient() override;

  client::ClientDriver& driver() { return *driver_; }
  // `ack`: 0 for none, else the id ss_ack reports the answer with.
  void emit(std::string_view event, std::string_view args_json, double ack);
  // Null when catch-up is off.
  const client::ScanFeed* feed() const { return feed_ ? &*feed_ : nullptr; }
  ClientHandle handle() const { return reinterpret_cast<ClientHandle>(this); }

  // client::Platform
  std::unique_ptr<client::Transport> open_transport(std::string_view query, client::TransportId id) override;
  void arm_timer(client::TimePoint deadline) override;
  void cancel_timer() override;
  client::TimePoint now() override;

 private:
  void forward(std::string_view name, const std::vector<std::string_view>& args);
  void forward(std::string_view name, std::string_view args_json);

  // The live scan event's argument while the feed handles it: a change
  // equal to it is forwarded as this view (into the frame the JS side fed)
  // rather than as the feed's copy.
  std::string_view live_arg_;
  std::optional<client::ScanFeed> feed_;
  std::unique_ptr<client::ClientDriver> driver_;  // last: destroyed first, before the feed it calls
};

}  // namespace scansync::web
