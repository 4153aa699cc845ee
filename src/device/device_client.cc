// DeviceClient's public side: opening, the calls from any thread, closing.
#include "scansync/device/device_client.h"

#include <array>
#include <chrono>

#include "device/device_client_impl.h"
#include "device/new_scan.h"

namespace scansync::device {
namespace {

namespace sc = scansync::client;

constexpr std::string_view kUrlSetting = "backend_url";
// The contract's formats: the gateway refuses any other as invalid, and a
// scan it refuses can never be synced, so it is refused here at once.
constexpr std::array<std::string_view, 10> kFormats = {"qr",      "ean13",  "ean8",       "upc_a",  "code128",
                                                      "code39",  "datamatrix", "pdf417", "aztec", "unknown"};

// Let the goodbye (Socket.IO disconnect, WebSocket close) reach the server
// before the socket is destroyed.
constexpr auto kGoodbyeTime = std::chrono::milliseconds(300);

class ClientCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.device_client"; }
  std::string message(int c) const override {
    switch (static_cast<client_errc>(c)) {
      case client_errc::bad_url: return "no usable gateway URL";
      case client_errc::closed: return "the device client is closed";
    }
    return "unknown device client error";
  }
};

}  // namespace

const std::error_category& client_category() {
  static const ClientCategory c;
  return c;
}

Result<std::unique_ptr<DeviceClient>> DeviceClient::open(DeviceClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  auto store = DeviceStore::open(impl->options.db_file, impl->options.user, impl->options.store);
  if (!store) return store.error();
  impl->store = std::move(*store);
  if (!impl->options.url.empty()) {
    if (!sc::parse_server_url(impl->options.url)) return client_errc::bad_url;
    if (auto ec = impl->store->set_setting(kUrlSetting, impl->options.url)) return ec;
    impl->url = impl->options.url;
  } else {
    auto kept = impl->store->setting(kUrlSetting);
    if (!kept) return kept.error();
    if (!*kept || !sc::parse_server_url(**kept)) return client_errc::bad_url;
    impl->url = **kept;
  }
  impl->online = impl->options.start_online;
  impl->work.emplace(impl->io.get_executor());
  // Set up before the executor runs (nothing runs on it yet), so that the
  // stores show the database's state as soon as open() returns.
  impl->start();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<DeviceClient>(new DeviceClient(std::move(impl)));
}

DeviceClient::DeviceClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DeviceClient::~DeviceClient() { close(); }

Result<Scan> DeviceClient::scan(std::string_view code, std::string_view format) {
  bool known = false;
  for (auto f : kFormats) known = known || f == format;
  if (!known) return errc::bad_scan;
  return impl_->run([&, this]() -> Result<Scan> {
    Impl& s = *impl_;
    Scan scan;
    scan.id = detail::new_scan_id();
    scan.code = std::string(code);
    scan.format = std::string(format);
    scan.created_at = detail::rfc3339_utc(std::chrono::system_clock::now());
    // Stored (row and outbox item, one transaction) before anything is sent.
    auto stored = s.store->add_local_scan(scan);
    if (!stored) return stored.error();
    s.outbox_changed();
    return stored;
  });
}

std::error_code DeviceClient::remove(std::string_view id) {
  return impl_->run([&, this]() -> std::error_code {
    Impl& s = *impl_;
    if (auto ec = s.store->delete_local(id)) return ec;
    s.outbox_changed();
    return {};
  });
}

void DeviceClient::set_online(bool online) {
  impl_->post([s = impl_.get(), online] {
    s->online = online;
    if (s->client) s->client->set_online(online);
  });
}

void DeviceClient::set_foreground(bool foreground) {
  impl_->post([s = impl_.get(), foreground] {
    if (foreground == s->foreground && !s->flushing) return;
    if (foreground) {
      s->end_background();
    } else {
      s->begin_background();
    }
  });
}

std::error_code DeviceClient::set_url(std::string_view url) {
  if (!sc::parse_server_url(url)) return client_errc::bad_url;
  return impl_->run([&, this]() -> std::error_code {
    Impl& s = *impl_;
    if (auto ec = s.store->set_setting(kUrlSetting, url)) return ec;
    s.url = std::string(url);
    return s.make_client();
  });
}

void DeviceClient::close() {
  Impl& s = *impl_;
  if (s.closing.exchange(true)) return;
  // Not from a listener: the executor cannot wait for itself.
  if (std::this_thread::get_id() == s.thread.get_id()) return;
  std::promise<void> done;
  auto finished = done.get_future();
  s.post([&s, &done] {
    s.grace_timer.cancel();
    s.retry_timer.cancel();
    s.resync_timer.cancel();
    if (s.client) s.client->disconnect();
    // The last step: after it nothing more is posted, and the client (whose
    // callbacks use the feed, pump and store) is gone before they are.
    s.grace_timer.expires_after(kGoodbyeTime);
    s.grace_timer.async_wait([&s, &done](const boost::system::error_code&) {
      {
        std::lock_guard lock(s.post_mu);
        s.accepting = false;
      }
      s.client.reset();
      done.set_value();
    });
  });
  finished.wait();
  s.work.reset();
  // Posted, not called: a run() posted before `accepting` went false is
  // still queued ahead of this (one thread runs the queue in order), so it
  // gets its answer instead of a broken promise.
  boost::asio::post(s.io, [&s] { s.io.stop(); });
  if (s.thread.joinable()) s.thread.join();
}

Result<std::optional<sc::TimePoint>> DeviceClient::next_wakeup() {
  return impl_->run([this]() -> Result<std::optional<sc::TimePoint>> { return impl_->next_wakeup(); });
}

ScanStore& DeviceClient::scans() { return impl_->scans; }
SyncStore& DeviceClient::sync() { return impl_->sync; }

}  // namespace scansync::device
