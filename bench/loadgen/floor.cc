#include "floor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "percentiles.h"

namespace scansync::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string(what) + ": " + std::strerror(errno)); }

// A scan:created event as the gateway broadcasts it, in an unmasked
// server-to-client text frame. The broadcast's number sits in a fixed-width
// "seq" so that every frame has the same length.
constexpr int kSeqDigits = 10;
std::string event_frame(std::int64_t seq) {
  char digits[24];  // room for any int64; seq stays below 10^10
  std::snprintf(digits, sizeof digits, "%0*lld", kSeqDigits, static_cast<long long>(seq));
  const std::string payload = std::string(R"(42["scan:created",{"id":"5f0c3d2e-8a41-4b7e-9c11-)") + digits +
                              R"(ab","code":"https://shop.example.com/p/bench?lot=42","format":"qr","deviceId":"loadgen",)"
                              R"("createdAt":"2024-05-01T12:00:00.000Z","seq":)" + digits + "}]";
  std::string frame{'\x81', '\x7e', static_cast<char>(payload.size() >> 8), static_cast<char>(payload.size() & 0xff)};
  return frame + payload;
}

std::int64_t seq_of(const char* frame, std::size_t frame_size) {
  // The digits of "seq" end 2 bytes before the frame does ("}]").
  return std::strtoll(std::string(frame + frame_size - 2 - kSeqDigits, kSeqDigits).c_str(), nullptr, 10);
}

struct Pair {
  int server = -1;  // the ideal server's end: it writes
  int client = -1;  // the receiver's end: this thread reads
};

std::vector<Pair> connect_pairs(int n) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener < 0) fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) < 0 || listen(listener, n) < 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) < 0)
    fail("listen");
  std::vector<Pair> pairs(static_cast<std::size_t>(n));
  const int one = 1;
  for (auto& p : pairs) {
    p.client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p.client < 0 || connect(p.client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) fail("connect");
    p.server = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (p.server < 0) fail("accept");
    // As the gateway's sockets: no Nagle delay on the sending side.
    setsockopt(p.server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  close(listener);
  return pairs;
}

void pin_this_thread(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

}  // namespace

nlohmann::json latency_floor(const FloorArgs& a) {
  const auto pairs = connect_pairs(a.receivers);
  const std::int64_t warmup = static_cast<std::int64_t>(a.rate) * a.warmup;
  const std::int64_t total = warmup + static_cast<std::int64_t>(a.rate) * a.seconds;
  const std::size_t frame_size = event_frame(0).size();
  std::vector<std::atomic<std::int64_t>> sent_at(static_cast<std::size_t>(total));
  std::atomic<double> sender_cpu{0};
  std::atomic<bool> write_failed{false};
  std::atomic<bool> stop{false};  // set when the reader gives up

  // The ideal server: per tick, the frame to every socket, one write each.
  std::thread sender([&] {
    pin_this_thread(a.sender_cpu);
    const auto period = std::chrono::nanoseconds(1'000'000'000 / a.rate);
    auto next = Clock::now();
    double cpu0 = 0;
    for (std::int64_t seq = 0; seq < total && !stop && !write_failed; ++seq) {
      next += period;
      std::this_thread::sleep_until(next);
      if (seq == warmup) cpu0 = thread_cpu_seconds();
      const std::string frame = event_frame(seq);
      sent_at[static_cast<std::size_t>(seq)].store(ns(Clock::now()), std::memory_order_release);
      for (const auto& p : pairs) {
        if (write(p.server, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) write_failed = true;
      }
    }
    sender_cpu = thread_cpu_seconds() - cpu0;
  });

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail("epoll_create1");
  std::vector<std::string> pending(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, pairs[i].client, &ev) < 0) fail("epoll_ctl");
  }
  std::vector<double> samples_ms;
  samples_ms.reserve(static_cast<std::size_t>((total - warmup) * a.receivers));
  const auto expected_frames = static_cast<std::uint64_t>(total) * pairs.size();
  std::uint64_t frames = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(a.warmup + a.seconds + 30);
  std::vector<epoll_event> events(pairs.size());
  char buf[65536];
  while (frames < expected_frames && !write_failed && Clock::now() < deadline) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int e = 0; e < n; ++e) {
      const auto i = events[static_cast<std::size_t>(e)].data.u64;
      const ssize_t got = read(pairs[i].client, buf, sizeof buf);
      if (got <= 0) continue;
      const std::int64_t arrived = ns(Clock::now());
      auto& in = pending[i];
      in.append(buf, static_cast<std::size_t>(got));
      std::size_t at = 0;
      for (; in.size() - at >= frame_size; at += frame_size, ++frames) {
        const std::int64_t seq = seq_of(in.data() + at, frame_size);
        if (seq < warmup || seq >= total) continue;
        const std::int64_t sent = sent_at[static_cast<std::size_t>(seq)].load(std::memory_order_acquire);
        samples_ms.push_back(static_cast<double>(arrived - sent) / 1e6);
      }
      in.erase(0, at);
    }
  }
  const bool complete = frames == expected_frames;
  stop = true;
  sender.join();
  close(ep);
  for (const auto& p : pairs) {
    close(p.server);
    close(p.client);
  }
  nlohmann::json out = percentiles_ms(samples_ms);
  out.update({{"scenario", "floor"}, {"receivers", a.receivers}, {"rate", a.rate}, {"warmup_s", a.warmup},
              {"frame_bytes", frame_size}, {"samples", samples_ms.size()},
              {"expected", static_cast<std::uint64_t>(total - warmup) * pairs.size()}, {"complete", complete},
              {"write_failed", write_failed.load()}, {"sender_cpu_s", sender_cpu.load()},
              {"sender_us_per_frame",
               sender_cpu.load() * 1e6 / static_cast<double>(std::max<std::size_t>(1, samples_ms.size()))}});
  return out;
}

}  // namespace scansync::bench
