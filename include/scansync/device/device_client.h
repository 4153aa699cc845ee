#pragma once
// DeviceClient: the phone's client. It keeps the user's scans in a
// DeviceStore (SQLite) and in step with the gateway:
//   - scans made here are written to the store (and its durable outbox)
//     first, then sent; the outbox is sent after every connect, in order,
//     each item kept until the server acks it, so none is lost however long
//     the phone is offline or however often the app is killed;
//   - changes from the server (the catch-up after every connect, live
//     events, the device's own echoes) are applied once, by seq, each page
//     or run of events in one transaction; a batch the store could not
//     write is fetched again;
//   - a history reset (another epoch, latestSeq below the cursor,
//     cursor_expired) drops the server's rows and re-sends this device's.
// The UI reads two observable stores: scans() (live scans, newest first)
// and sync() (connection status, outbox size, last sync, last error).
//
// Threading: one thread of its own (the executor): the socket, the store,
// the feed, the outbox and every listener run there, never two at once.
// The public methods are safe from any thread. Those returning a value wait
// for the executor (or run at once when called on it, from a listener).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "scansync/client/native_client.h"
#include "scansync/client/types.h"
#include "scansync/device/device_store.h"
#include "scansync/device/observable_store.h"
#include "scansync/result.h"

namespace scansync::device {

struct DeviceClientOptions {
  // The gateway. Empty: the URL kept in the store's settings ("backend_url"),
  // from an earlier run or set_url(). Given: it is used and kept there.
  std::string url;
  client::TokenProvider tokens;  // asked at every (re)connect
  std::filesystem::path db_file;
  std::string user;  // the token's sub: scopes every row of the store
  client::ClientOptions core;
  client::TlsOptions tls;
  DeviceStoreOptions store;
  std::size_t max_in_flight = 16;  // outbox items sent and not yet acked
  // Going to the background with items still to send: stay connected at
  // most this long to send them.
  std::chrono::milliseconds background_grace{5000};
  std::size_t view_limit = 1000;  // scans kept in the scans() view
  int page_limit = 500;           // sync:since page size
  bool start_online = true;       // connect at once (false: as if offline)
  // The app's own WebSocket (OkHttp, URLSession) in place of Beast; see
  // client::TransportOpener. Its reports may come from any thread.
  client::TransportOpener transport;
};

// What the scans view holds.
struct ScanList {
  std::vector<Scan> scans;  // newest first, at most view_limit
  std::size_t count = 0;    // all live scans
  friend bool operator==(const ScanList&, const ScanList&) = default;
};

struct SyncState {
  client::Status status = client::Status::disconnected;
  client::DisconnectReason reason = client::DisconnectReason::none;
  int attempt = 0;                    // reconnecting: the attempt about to be made
  client::Millis next_retry{0};       // reconnecting: wait before it
  std::size_t pending = 0;            // outbox items (creates and deletes) not yet acked
  std::int64_t last_seq = 0;          // the cursor
  std::string last_synced_at;         // RFC 3339 UTC of the last batch applied or item acked; "" none
  std::string last_error_code, last_error_message;  // the last error reported ("" none)
  bool flushing = false;              // going to the background once the outbox is sent
  friend bool operator==(const SyncState&, const SyncState&) = default;
};

using ScanStore = ObservableStore<ScanList>;
using SyncStore = ObservableStore<SyncState>;

enum class client_errc {
  bad_url = 1,  // not a gateway URL, or none given and none kept
  closed,       // the client was closed
};
const std::error_category& client_category();  // "scansync.device_client"
inline std::error_code make_error_code(client_errc e) { return {static_cast<int>(e), client_category()}; }

}  // namespace scansync::device

template <>
struct std::is_error_code_enum<scansync::device::client_errc> : std::true_type {};

namespace scansync::device {

class DeviceClient {
 public:
  // Opens the store (errc::not_a_device_database etc. leave the file as it
  // was) and starts connecting unless options.start_online is false.
  static Result<std::unique_ptr<DeviceClient>> open(DeviceClientOptions options);
  ~DeviceClient();  // close()
  DeviceClient(const DeviceClient&) = delete;
  DeviceClient& operator=(const DeviceClient&) = delete;

  // A scan made here: a new UUID v4 id, createdAt now, this device's id;
  // stored (with its outbox item) before it is sent. Returns the stored scan.
  Result<Scan> scan(std::string_view code, std::string_view format = "qr");
  // Deletes a live scan (errc::not_found when there is none).
  std::error_code remove(std::string_view id);
  void set_online(bool online);
  // Background: if connected with items still to send, sends them (at most
  // background_grace), then disconnects. Foreground: reconnects and catches up.
  void set_foreground(bool foreground);
  // Keeps the URL in the settings and reconnects to it.
  std::error_code set_url(std::string_view url);
  // Disconnects (telling the server) and stops the executor. Idempotent.
  // Not from a listener (the executor cannot wait for itself); nor is the
  // destructor.
  void close();

  // When the client will next wake up by itself: the earliest timer it has
  // armed (connection, outbox retry, background grace, catch-up retry);
  // nullopt when none is. While offline or in the background it is nullopt
  // and no connection is attempted (the battery rule). `closed` once closed.
  Result<std::optional<client::TimePoint>> next_wakeup();

  ScanStore& scans();
  SyncStore& sync();

  struct Impl;

 private:
  explicit DeviceClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scansync::device
