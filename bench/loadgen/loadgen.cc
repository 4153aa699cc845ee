// Load generator for the gateway benchmark: many Socket.IO-over-WebSocket
// connections on one single-threaded epoll loop. One scenario per run:
//
//   loadgen fanout  --port P --pid SERVER_PID --token T [--receivers 1000 --seconds 5 --window 256]
//   loadgen latency --port P --pid SERVER_PID --token T [--receivers 100 --rate 200 --warmup 1 --seconds 5]
//   loadgen memory  --port P --pid SERVER_PID --token T [--connections 10000]
//   loadgen floor   [--receivers 100 --rate 200 --warmup 1 --seconds 5 --sender-cpu 0]   (no server: floor.h)
//
// Several nodes of one cluster (bench/cluster/): --port A,B --pid PA,PB,...
// The creator connects to the first port, the receivers round-robin over all
// of them; the server CPU is the sum over every --pid; latency also reports
// the receivers on the other nodes apart ("remote").
//
// Prints one JSON line with the figures, the server's CPU seconds over the
// measured window (/proc/PID/stat utime+stime) and the load generator's own.
// Every wait is bounded; all traffic is on loopback.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "event_loop.h"
#include "floor.h"
#include "percentiles.h"
#include "proc_stats.h"
#include "ws_conn.h"

namespace scansync::bench {
namespace {

using Json = nlohmann::json;

struct Args {
  std::vector<std::uint16_t> ports;  // the creator on ports[0]; receivers round-robin
  std::vector<pid_t> pids;           // the server's processes: CPU summed, RSS of the first
  std::string token;
  int source_base = 10;  // connections bind 127.0.0.<base + i / 5000>
  int receivers = 0;
  int seconds = 5;
  int window = 256;  // enough in flight to keep either server busy: fewer leaves both waiting on round trips
  int rate = 200;
  int warmup = 1;  // latency: seconds of creates before the measured ones
  int connections = 10000;
};

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Runs the loop until pred() holds or `limit` passes; true if pred() held.
bool run_until(EventLoop& loop, const std::function<bool()>& pred, Clock::duration limit) {
  return loop.run_until(pred, Clock::now() + limit);
}

// Opens n joined connections, at most `concurrency` handshakes at a time.
// The k-th connection goes to ports[k % size] (spread) or to ports[0].
std::vector<std::shared_ptr<WsConn>> connect_many(EventLoop& io, const Args& a, int n, int& source_offset,
                                                  bool spread = true, int concurrency = 200) {
  std::vector<std::shared_ptr<WsConn>> conns;
  conns.reserve(static_cast<std::size_t>(n));
  int started = 0, ready = 0, failed = 0, in_flight = 0;
  std::string first_error;
  std::function<void()> start_more = [&] {
    while (started < n && in_flight < concurrency) {
      ConnTarget t;
      t.port = spread ? a.ports[static_cast<std::size_t>(started) % a.ports.size()] : a.ports.front();
      t.token = a.token;
      t.source_address = "127.0.0." + std::to_string(a.source_base + source_offset / 5000);
      ++source_offset;
      ++started;
      ++in_flight;
      conns.push_back(WsConn::start(io, t, [&](bool ok, std::string_view why) {
        --in_flight;
        if (ok) ++ready;
        else if (++failed == 1) first_error = why;
        start_more();
      }));
    }
  };
  start_more();
  const bool done = run_until(io, [&] { return ready + failed == n; }, std::chrono::seconds(120));
  if (!done || failed) {
    std::cerr << "loadgen: " << ready << " of " << n << " connections ready, " << failed << " failed"
              << (first_error.empty() ? "" : ": " + first_error) << "\n";
    std::exit(1);
  }
  return conns;
}

class IdMaker {
 public:
  IdMaker() : prefix_(std::random_device{}()) {}
  std::string next() {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-%04x-4000-8000-%012llx", prefix_, static_cast<unsigned>(n_ >> 48) & 0xffffu,
                  static_cast<unsigned long long>(n_ & 0xffffffffffffull));
    ++n_;
    return buf;
  }

 private:
  unsigned prefix_;
  std::uint64_t n_ = 0;
};

std::string create_frame(std::uint64_t ack_id, const std::string& id) {
  return "42" + std::to_string(ack_id) + R"(["scan:create",{"id":")" + id +
         R"(","code":"https://shop.example.com/p/bench?lot=42","format":"qr","deviceId":"loadgen","createdAt":"2024-05-01T12:00:00.000Z"}])";
}

bool is_scan_created(std::string_view f) { return f.rfind(R"(42["scan:created")", 0) == 0; }

double cpu_seconds(const std::vector<pid_t>& pids) {
  double sum = 0;
  for (pid_t p : pids) sum += process_cpu_seconds(p);
  return sum;
}

// Window of the measurement: wall, server CPU (all its processes), load generator CPU.
struct Window {
  Clock::time_point t0;
  double server0 = 0, self0 = 0;
  std::vector<pid_t> pids;
  explicit Window(const std::vector<pid_t>& p)
      : t0(Clock::now()), server0(cpu_seconds(p)), self0(self_cpu_seconds()), pids(p) {}
  Json finish() const {
    const double wall = secs(Clock::now() - t0);
    const double server = cpu_seconds(pids) - server0;
    const double self = self_cpu_seconds() - self0;
    return {{"wall_s", wall}, {"server_cpu_s", server}, {"loadgen_cpu_s", self}, {"loadgen_cpu_share", self / wall}};
  }
};

Json fanout(EventLoop& io, const Args& a) {
  int src = 0;
  auto receivers = connect_many(io, a, a.receivers, src);
  auto creator = connect_many(io, a, 1, src, false).front();
  std::uint64_t delivered = 0, sent = 0, acked = 0, refused = 0;
  bool stop = false;
  for (auto& r : receivers) r->on_text([&](std::string_view f, Clock::time_point) { delivered += is_scan_created(f); });
  IdMaker ids;
  auto send_one = [&] { creator->send(create_frame(sent++, ids.next())); };
  creator->on_text([&](std::string_view f, Clock::time_point) {
    if (is_scan_created(f)) return void(++delivered);
    if (f.rfind("43", 0) != 0) return;
    ++acked;
    if (f.find(R"([{"ok":true)") == std::string_view::npos) ++refused;
    if (!stop) send_one();
  });
  Window w(a.pids);
  for (int i = 0; i < a.window; ++i) send_one();
  io.at(Clock::now() + std::chrono::seconds(a.seconds), [&] { stop = true; });
  const std::uint64_t per_create = receivers.size() + 1;
  const bool complete = run_until(io, [&] { return stop && acked == sent && delivered == sent * per_create; },
                                  std::chrono::seconds(a.seconds + 60));
  Json out = w.finish();
  out.update({{"scenario", "fanout"}, {"receivers", receivers.size() + 1}, {"creates", sent}, {"acked", acked},
              {"refused", refused}, {"delivered", delivered}, {"expected", sent * per_create}, {"complete", complete},
              {"events_per_s", static_cast<double>(delivered) / out["wall_s"].get<double>()},
              {"events_per_server_cpu_s", static_cast<double>(delivered) / out["server_cpu_s"].get<double>()},
              {"creates_per_s", static_cast<double>(acked) / out["wall_s"].get<double>()}});
  for (auto& r : receivers) r->close();
  creator->close();
  return out;
}

// Creates at fixed times: first `warmup` seconds whose deliveries are not
// counted (fresh connections' first frames, allocator growth: the first
// 250 ms of a run had half of its slow creates), then `seconds` measured.
Json latency(EventLoop& io, const Args& a) {
  int src = 0;
  auto receivers = connect_many(io, a, a.receivers, src);
  auto creator = connect_many(io, a, 1, src, false).front();
  struct Sent {
    Clock::time_point at;
    bool measured;
  };
  std::unordered_map<std::string, Sent> sent_at;
  std::vector<double> samples_ms, remote_ms;  // remote: receivers on another node than the creator
  samples_ms.reserve(static_cast<std::size_t>(a.rate * a.seconds * a.receivers));
  std::uint64_t sent = 0, acked = 0, warmup_delivered = 0;
  const std::uint64_t warmup = static_cast<std::uint64_t>(a.rate) * static_cast<std::uint64_t>(a.warmup);
  const std::uint64_t measured = static_cast<std::uint64_t>(a.rate) * static_cast<std::uint64_t>(a.seconds);
  const std::uint64_t total = warmup + measured;
  auto on_event = [&](bool remote, std::string_view f, Clock::time_point arrived) {
    if (!is_scan_created(f)) return;
    const auto at = f.find(R"("id":")");
    if (at == std::string_view::npos) return;
    const auto it = sent_at.find(std::string(f.substr(at + 6, 36)));
    if (it == sent_at.end()) return;
    if (!it->second.measured) return void(++warmup_delivered);
    const double ms = std::chrono::duration<double, std::milli>(arrived - it->second.at).count();
    samples_ms.push_back(ms);
    if (remote) remote_ms.push_back(ms);
  };
  for (std::size_t i = 0; i < receivers.size(); ++i) {
    const bool remote = i % a.ports.size() != 0;  // connect_many's round-robin
    receivers[i]->on_text([&on_event, remote](std::string_view f, Clock::time_point at) { on_event(remote, f, at); });
  }
  creator->on_text([&](std::string_view f, Clock::time_point) { acked += f.rfind("43", 0) == 0; });
  IdMaker ids;
  const auto period = std::chrono::nanoseconds(1'000'000'000 / a.rate);
  std::optional<Window> w;  // from the first measured create
  auto next = Clock::now();
  std::function<void()> arm = [&] {
    if (sent == total) return;
    next += period;
    io.at(next, [&] {
      if (sent == warmup) w.emplace(a.pids);
      auto id = ids.next();
      sent_at.emplace(id, Sent{Clock::now(), sent >= warmup});
      creator->send(create_frame(sent++, id));
      arm();
    });
  };
  arm();
  const auto expected = measured * receivers.size();
  const bool complete = run_until(
      io, [&] { return acked == total && samples_ms.size() == expected && warmup_delivered == warmup * receivers.size(); },
      std::chrono::seconds(a.warmup + a.seconds + 60));
  Json out = w ? w->finish() : Window(a.pids).finish();
  out.update(percentiles_ms(samples_ms));
  if (a.ports.size() > 1) out["remote"] = percentiles_ms(remote_ms);
  out.update({{"scenario", "latency"}, {"receivers", receivers.size()}, {"rate", a.rate}, {"warmup_s", a.warmup},
              {"creates", sent - warmup}, {"samples", samples_ms.size()}, {"expected", expected}, {"complete", complete}});
  for (auto& r : receivers) r->close();
  creator->close();
  return out;
}

Json memory(EventLoop& io, const Args& a) {
  int src = 0;
  {  // Warm-up: one connection that joins and creates, so lazy start-up costs are not counted.
    auto warm = connect_many(io, a, 1, src).front();
    bool acked = false;
    warm->on_text([&](std::string_view f, Clock::time_point) { acked = acked || f.rfind("43", 0) == 0; });
    IdMaker ids;
    warm->send(create_frame(1, ids.next()));
    run_until(io, [&] { return acked; }, std::chrono::seconds(10));
    warm->close();
  }
  const auto rss_before = process_rss_kb(a.pids.front());
  Window w(a.pids);
  auto conns = connect_many(io, a, a.connections, src);
  const auto rss_after = process_rss_kb(a.pids.front());
  Json out = w.finish();
  out.update({{"scenario", "memory"}, {"connections", conns.size()}, {"rss_before_kb", rss_before},
              {"rss_after_kb", rss_after},
              {"bytes_per_connection", static_cast<double>(rss_after - rss_before) * 1024.0 / static_cast<double>(conns.size())},
              {"connects_per_s", static_cast<double>(conns.size()) / out["wall_s"].get<double>()}});
  for (auto& c : conns) c->close();
  return out;
}

}  // namespace
}  // namespace scansync::bench

int main(int argc, char** argv) {
  using namespace scansync::bench;
  CLI::App app{"scansync gateway load generator"};
  app.require_subcommand(1);
  Args a;
  auto common = [&](CLI::App* sub) {
    sub->add_option("--port", a.ports, "server port(s) on 127.0.0.1, comma-separated: the creator on the first")
        ->required()->delimiter(',');
    sub->add_option("--pid", a.pids, "server process id(s): CPU summed, RSS of the first (from /proc)")
        ->required()->delimiter(',');
    sub->add_option("--token", a.token, "JWT for the CONNECT packet")->required();
    sub->add_option("--source-base", a.source_base, "first 127.0.0.x octet to bind connections to");
  };
  auto* fan = app.add_subcommand("fanout", "one creator at full rate, many receivers of the same user");
  common(fan);
  a.receivers = 1000;
  fan->add_option("--receivers", a.receivers);
  fan->add_option("--seconds", a.seconds);
  fan->add_option("--window", a.window, "creates in flight");
  auto* lat = app.add_subcommand("latency", "create-to-receive latency at a fixed rate");
  common(lat);
  lat->add_option("--receivers", a.receivers);
  lat->add_option("--rate", a.rate, "creates per second");
  lat->add_option("--seconds", a.seconds);
  lat->add_option("--warmup", a.warmup, "seconds of creates at the same rate before the measured ones");
  auto* mem = app.add_subcommand("memory", "server RSS per idle joined connection");
  common(mem);
  mem->add_option("--connections", a.connections);
  FloorArgs fl;
  auto* floor_cmd = app.add_subcommand("floor", "latency of an ideal server that only sends: this machine's floor");
  floor_cmd->add_option("--receivers", fl.receivers);
  floor_cmd->add_option("--rate", fl.rate, "broadcasts per second");
  floor_cmd->add_option("--seconds", fl.seconds);
  floor_cmd->add_option("--warmup", fl.warmup, "seconds of broadcasts before the measured ones");
  floor_cmd->add_option("--sender-cpu", fl.sender_cpu, "CPU of the sending thread, -1 for any");
  CLI11_PARSE(app, argc, argv);

  const auto fds = raise_fd_limit();
  EventLoop io;
  nlohmann::json out;
  if (*fan) {
    out = fanout(io, a);
  } else if (*floor_cmd) {
    out = latency_floor(fl);
  } else if (*lat) {
    if (!lat->count("--receivers")) a.receivers = 100;
    out = latency(io, a);
  } else {
    out = memory(io, a);
  }
  out["fd_limit"] = fds;
  std::cout << out.dump() << std::endl;
  return 0;
}
