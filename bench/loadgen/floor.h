#pragma once
// The latency floor of this machine: what an ideal server would measure in
// the latency scenario. It does nothing but the sends of each broadcast: one
// thread writes one ready-made WebSocket frame of a scan:created event's size
// to each of N loopback TCP sockets, at a fixed rate; this thread reads them
// as the latency scenario does, stamping each frame at the read() that
// completed it.
//
// It leaves out everything a real server must also do (the create's trip to
// the server, parsing, storing, acking), so no server can have a lower
// latency on the same machine: a target below this floor is out of reach.
#include <nlohmann/json.hpp>

namespace scansync::bench {

struct FloorArgs {
  int receivers = 100;
  int rate = 200;
  int warmup = 1;  // seconds of broadcasts before the measured ones
  int seconds = 5;
  int sender_cpu = 0;  // -1: leave the sender thread where the kernel puts it
};

// One JSON object: p50_ms, p99_ms, p999_ms, max_ms, samples, expected,
// complete, sender_cpu_s (the sending thread's CPU time, measured window).
nlohmann::json latency_floor(const FloorArgs& a);

}  // namespace scansync::bench
