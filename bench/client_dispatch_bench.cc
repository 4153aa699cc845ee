// Decode-and-dispatch cost of the portable C++ client core (ClientCore).
//
//   client_dispatch_bench FRAMES_FILE [--parse]
//
// What is measured: a ClientCore is connected the way an adapter connects it
// (OpenTransport → on_transport_open → Engine.IO OPEN → CONNECT ack), then
// every frame of the file is handed to on_transport_text(), the call the
// native WebSocket adapter makes per received message, followed by
// take_actions() as the adapter does after each input. Inside: Engine.IO
// decode, Socket.IO decode with full JSON validation, dispatch to the
// "scan:created" subscriber, which counts. With --parse the subscriber also
// builds a Scan struct from the argument with nlohmann::json (what an
// application does to get the object the JS client hands its listeners).
// A warm-up pass precedes five measured passes; the median is reported. Not measured: kernel, TLS,
// WebSocket framing.
//
// Prints one JSON line: {"impl":…, events, wall_s, cpu_s, events_per_s, …}.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/client/client_core.h"

namespace {

using scansync::client::ClientCore;
using scansync::client::ClientOptions;
using scansync::client::Event;

struct Scan {
  std::string id, user_id, code, format, device_id, created_at;
  std::int64_t seq = 0;
};

long proc_status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  }
  return -1;
}

// Resets VmHWM (peak RSS) to the current RSS (Linux >= 4.0).
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](timeval tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

struct Counter {
  std::uint64_t delivered = 0;
  std::uint64_t checksum = 0;  // sum of seq (--parse) or of argument sizes
};

std::unique_ptr<ClientCore> connected_core(Counter& counter, bool parse) {
  ClientOptions options;
  options.join_room = false;
  const auto fixed_now = scansync::client::TimePoint(std::chrono::hours(1));
  auto core = std::make_unique<ClientCore>(options, [] { return std::string("t"); }, [fixed_now] { return fixed_now; });
  if (parse) {
    core->on("scan:created", [&counter](const Event& e) {
      const auto j = nlohmann::json::parse(e.args.at(0));
      Scan s{j.at("id").get<std::string>(), j.at("userId").get<std::string>(), j.at("code").get<std::string>(),
             j.at("format").get<std::string>(), j.at("deviceId").get<std::string>(),
             j.at("createdAt").get<std::string>(), j.at("seq").get<std::int64_t>()};
      ++counter.delivered;
      counter.checksum += static_cast<std::uint64_t>(s.seq);
    });
  } else {
    core->on("scan:created", [&counter](const Event& e) {
      ++counter.delivered;
      counter.checksum += e.args.empty() ? 0 : e.args[0].size();
    });
  }
  core->connect();
  core->take_actions();
  core->on_transport_open();
  core->on_transport_text(
      R"(0{"sid":"bench","upgrades":[],"pingInterval":600000,"pingTimeout":600000,"maxPayload":1000000})");
  core->take_actions();
  core->on_transport_text(R"(40{"sid":"bench-sio"})");
  core->take_actions();
  if (core->status().status != scansync::client::Status::connected) {
    std::cerr << "client core did not connect\n";
    std::exit(1);
  }
  return core;
}

void feed(ClientCore& core, const std::vector<std::string>& frames) {
  for (const auto& f : frames) {
    core.on_transport_text(f);
    core.take_actions();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: client_dispatch_bench FRAMES_FILE [--parse]\n";
    return 2;
  }
  const bool parse = argc > 2 && std::string_view(argv[2]) == "--parse";
  std::vector<std::string> frames;
  {
    std::ifstream in(argv[1]);
    std::string line;
    while (std::getline(in, line)) frames.push_back(line);
  }
  if (frames.empty()) {
    std::cerr << "no frames in " << argv[1] << "\n";
    return 1;
  }

  Counter counter;
  auto core = connected_core(counter, parse);
  feed(*core, frames);  // warm-up
  if (counter.delivered != frames.size()) {
    std::cerr << "warm-up delivered " << counter.delivered << " of " << frames.size() << "\n";
    return 1;
  }
  // Five measured passes; the median pass is reported (the machine may be
  // shared, and a pass that was descheduled should not decide the figure).
  constexpr int kPasses = 5;
  struct Pass {
    double wall = 0, cpu = 0;
  };
  std::vector<Pass> passes;
  const bool peak_reset = reset_peak_rss();
  const long rss_before = proc_status_kb("VmRSS");
  for (int i = 0; i < kPasses; ++i) {
    counter = {};
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    feed(*core, frames);
    passes.push_back({std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), cpu_seconds() - cpu0});
    if (counter.delivered != frames.size()) {
      std::cerr << "delivered " << counter.delivered << " of " << frames.size() << "\n";
      return 1;
    }
  }
  const long peak = proc_status_kb("VmHWM");
  auto median = [&](auto field) {
    std::vector<double> v;
    for (const auto& p : passes) v.push_back(field(p));
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double wall = median([](const Pass& p) { return p.wall; });
  const double cpu = median([](const Pass& p) { return p.cpu; });
  nlohmann::json out = {
      {"impl", parse ? "c++ ClientCore + nlohmann parse in handler" : "c++ ClientCore"},
      {"events", counter.delivered},
      {"checksum", counter.checksum},
      {"passes", kPasses},
      {"wall_s", wall},
      {"cpu_s", cpu},
      {"events_per_s", static_cast<double>(counter.delivered) / wall},
      {"events_per_cpu_s", cpu > 0 ? static_cast<double>(counter.delivered) / cpu : 0.0},
      {"rss_before_kb", rss_before},
      {"peak_rss_delta_kb", peak_reset ? nlohmann::json(peak - rss_before) : nlohmann::json(nullptr)},
  };
  std::cout << out.dump() << std::endl;
  return 0;
}
