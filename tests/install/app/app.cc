// An app of scansync's installed client: opens a DeviceClient offline on a
// database in the folder given, makes a scan, closes, and reads it back
// through a DeviceStore. Prints one line that install_test.sh checks.
#include <cstdio>
#include <filesystem>
#include <string>

#include "scansync/device/device_client.h"
#include "scansync/device/device_store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: scansync_app FOLDER\n");
    return 2;
  }
  const std::filesystem::path db = std::filesystem::path(argv[1]) / "device.db";

  scansync::device::DeviceClientOptions options;
  options.url = "ws://127.0.0.1:9";  // never reached: the client starts offline
  options.tokens = [] { return std::string("token"); };
  options.db_file = db;
  options.user = "alice";
  options.start_online = false;
  auto client = scansync::device::DeviceClient::open(options);
  if (!client) {
    std::fprintf(stderr, "DeviceClient::open: %s\n", client.error().message().c_str());
    return 1;
  }
  auto scan = (*client)->scan("INSTALLED-1", "qr");
  if (!scan) {
    std::fprintf(stderr, "scan: %s\n", scan.error().message().c_str());
    return 1;
  }
  (*client)->close();

  auto store = scansync::device::DeviceStore::open(db, "alice");
  if (!store) {
    std::fprintf(stderr, "DeviceStore::open: %s\n", store.error().message().c_str());
    return 1;
  }
  auto count = (*store)->scan_count();
  auto pending = (*store)->outbox_size();
  if (!count || !pending) return 1;
  std::printf("scans=%zu pending=%zu code=%s\n", *count, *pending, scan->code.c_str());
  return 0;
}
