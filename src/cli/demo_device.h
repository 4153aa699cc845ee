#pragma once
// The demo's phone with a database: a DeviceClient on its own SQLite file in
// the demo's data folder, scanning sample codes (EAN-13, QR, Code 128 in
// turn), and the demo's serving phase, which keeps it scanning until
// SIGINT/SIGTERM.
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "scansync/device/device_client.h"
#include "scansync/result.h"

namespace scansync::cli {

class DemoDevice {
 public:
  // Called with a sample's code just before it is scanned (so before anyone
  // can receive it): the demo times its way to the watcher.
  using ScannedListener = std::function<void(const std::string& code)>;

  // Opens `dir`/demo-device.db and connects to `url` as `user`, with a
  // token freshly signed with `secret` at every (re)connect.
  static Result<std::unique_ptr<DemoDevice>> open(const std::filesystem::path& dir, const std::string& url,
                                                  const std::string& user, const std::string& secret,
                                                  ScannedListener on_scanned);
  ~DemoDevice();  // close()

  // Scans the next sample code (stored, then sent); prints a "scanned" line.
  bool scan_sample();
  // Waits until connected with nothing left to send.
  bool wait_sent(std::chrono::seconds limit);
  // Disconnects and closes the database. Idempotent.
  void close();

 private:
  DemoDevice(std::unique_ptr<device::DeviceClient> client, ScannedListener on_scanned);
  std::unique_ptr<device::DeviceClient> client_;
  ScannedListener on_scanned_;
  std::mutex mu_;
  std::condition_variable changed_;
  device::SyncState sync_;
  int scanned_ = 0;
};

// Blocks SIGINT and SIGTERM in this thread and every thread started after
// (call it before any), so that serve() alone takes them.
void block_stop_signals();
// The serving phase: prints where the browser page is, then has `device`
// scan every `every` until SIGINT or SIGTERM arrives (block_stop_signals()
// must have run first).
void serve(DemoDevice& device, const std::string& page_link, std::chrono::seconds every);

}  // namespace scansync::cli
