// The device's SQLite work in a catch-up, without the network: what
// `scansync device` does per sync:since page, split in two.
//
//   store_apply_bench FRAMES_FILE DB_FILE [--limit 500]
//
// FRAMES_FILE: bench/gen_frames.js output (one `42["scan:created",{Scan}]`
// per line, user "alice"). Every scan is decoded first with the device's
// own decoder (decode_server_change), outside the timed parts. Then, page by
// page of --limit changes on an empty DB_FILE:
//   apply:   DeviceStore::apply(page, cursor), one transaction each, as
//            DeviceClient::Impl::apply_batch does;
//   publish: what apply_batch does after it to refresh the UI's scans store,
//            once: scans(1000) (the newest-first view) and scan_count().
// (apply_batch publishes twice per page: once itself, once through
// outbox_changed.) CPU time of this thread for each part.
//
// Prints one JSON line: {changes, pages, apply_cpu_s, publish_cpu_s, ...}.
#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/device/device_store.h"

namespace sd = scansync::device;

namespace {

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: store_apply_bench FRAMES_FILE DB_FILE [--limit 500]\n");
    return 2;
  }
  std::size_t limit = 500;
  if (argc == 5 && std::string_view(argv[3]) == "--limit") limit = std::stoul(argv[4]);

  std::vector<sd::ServerChange> changes;
  std::ifstream in(argv[1]);
  constexpr std::string_view kPrefix = R"(42["scan:created",)";
  for (std::string line; std::getline(in, line);) {
    if (line.size() < kPrefix.size() + 1 || std::string_view(line).substr(0, kPrefix.size()) != kPrefix) continue;
    const std::string_view scan = std::string_view(line).substr(kPrefix.size(), line.size() - kPrefix.size() - 1);
    auto change = sd::decode_server_change(sd::ServerChange::Op::created, scan);
    if (!change) {
      std::fprintf(stderr, "store_apply_bench: %s\n", change.error().message().c_str());
      return 1;
    }
    changes.push_back(std::move(*change));
  }
  if (changes.empty()) {
    std::fprintf(stderr, "store_apply_bench: no scan:created frames in %s\n", argv[1]);
    return 1;
  }

  auto opened = sd::DeviceStore::open(argv[2], "alice");
  if (!opened) {
    std::fprintf(stderr, "store_apply_bench: %s\n", opened.error().message().c_str());
    return 1;
  }
  auto& store = **opened;
  double apply_cpu = 0, publish_cpu = 0;
  std::size_t pages = 0, view_rows = 0;
  const double wall0 = wall_s();
  for (std::size_t first = 0; first < changes.size(); first += limit) {
    const std::vector<sd::ServerChange> page(changes.begin() + static_cast<std::ptrdiff_t>(first),
                                             changes.begin() + static_cast<std::ptrdiff_t>(std::min(first + limit, changes.size())));
    const double t0 = thread_cpu_s();
    if (auto ec = store.apply(page, sd::Cursor{page.back().seq, "bench"})) {
      std::fprintf(stderr, "store_apply_bench: apply: %s\n", ec.message().c_str());
      return 1;
    }
    const double t1 = thread_cpu_s();
    auto rows = store.scans(1000);
    auto count = store.scan_count();
    if (!rows || !count) {
      std::fprintf(stderr, "store_apply_bench: publish failed\n");
      return 1;
    }
    view_rows += rows->size();
    publish_cpu += thread_cpu_s() - t1;
    apply_cpu += t1 - t0;
    ++pages;
  }
  const double wall = wall_s() - wall0;
  auto count = store.scan_count();
  if (!count || *count != changes.size()) {
    std::fprintf(stderr, "store_apply_bench: %zu rows after the catch-up, expected %zu\n", count ? *count : 0,
                 changes.size());
    return 1;
  }
  const double n = static_cast<double>(changes.size());
  std::printf(
      "{\"changes\":%zu,\"pages\":%zu,\"sqlite\":\"%s\",\"wall_s\":%.4f,\"apply_cpu_s\":%.4f,\"publish_cpu_s\":%.4f,"
      "\"apply_changes_per_cpu_s\":%.0f,\"view_rows_read\":%zu}\n",
      changes.size(), pages, sqlite3_libversion(), wall, apply_cpu, publish_cpu, n / apply_cpu, view_rows);
  return 0;
}
