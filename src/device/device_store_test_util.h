#pragma once
// Fixtures shared by the device store's tests.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "scansync/device/device_store.h"
#include "test_support/temp_dir.h"

namespace scansync::device::testing {

// A valid UUID v4 made from a number, so tests can name scans 1, 2, 3 …
inline std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

inline Scan local_scan(int n, std::string created_at = "2026-01-01T00:00:00.000Z") {
  Scan s;
  s.id = uuid(n);
  s.code = "code-" + std::to_string(n);
  s.format = "qr";
  s.created_at = std::move(created_at);
  return s;
}

// The server's copy of a scan: as decode_scan would give it.
inline Scan server_scan(int n, std::int64_t seq, std::string user = "alice", std::string device = "other-phone") {
  Scan s = local_scan(n);
  s.user_id = std::move(user);
  s.device_id = std::move(device);
  s.seq = seq;
  s.synced = true;
  return s;
}

inline ServerChange created(Scan scan) {
  ServerChange c;
  c.op = ServerChange::Op::created;
  c.seq = scan.seq;
  c.scan = std::move(scan);
  return c;
}

inline ServerChange deleted(int n, std::int64_t seq, std::string user = "alice") {
  ServerChange c;
  c.op = ServerChange::Op::deleted;
  c.seq = seq;
  c.deletion = Deletion{uuid(n), seq, "2026-01-02T00:00:00.000Z", std::move(user)};
  return c;
}

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class DeviceStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<DeviceStore> open(std::string user = "alice", DeviceStoreOptions o = {}) {
    auto s = DeviceStore::open(file_, std::move(user), o);
    EXPECT_TRUE(s.ok()) << s.error().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static std::size_t count(DeviceStore& s) {
    auto n = s.scan_count();
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : 0;
  }
  static std::size_t outbox_size(DeviceStore& s) {
    auto n = s.outbox_size();
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : 0;
  }

  test_support::TempDir dir_{"scansync-device"};
  std::filesystem::path file_ = dir_ / "device.db";
};

}  // namespace scansync::device::testing
