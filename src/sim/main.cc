// scansync-sim --seeds A-B [--trace] [--mutant NAME] [--quiet]
// One JSON line per failing seed (stdout), with the command that replays it
// alone; with --trace the seed's events go to stderr; a summary line last.
// Exit 0 only when no seed failed.
#include <chrono>
#include <cmath>
#include <map>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/sim.h"

using namespace scansync::sim;

namespace {

bool parse_range(const std::string& text, std::uint64_t* a, std::uint64_t* b) {
  const auto dash = text.find('-');
  try {
    *a = std::stoull(text.substr(0, dash));
    *b = dash == std::string::npos ? *a : std::stoull(text.substr(dash + 1));
  } catch (...) {
    return false;
  }
  return *a <= *b;
}

int usage() {
  std::fprintf(stderr,
               "usage: scansync-sim --seeds A-B [--trace] [--trace-all] [--mutant NAME] [--dir DIR]\n"
               "mutants: cursor_before_write forget_on_ack_timeout resend_new_id crossed_wires\n"
               "         lose_committed_row ignore_delete_acks\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t first = 1, last = 100;
  bool trace_all = false;
  SimOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--seeds") {
      if (!parse_range(value(), &first, &last)) return usage();
    } else if (arg == "--trace") {
      options.trace = true;
    } else if (arg == "--trace-all") {
      options.trace = trace_all = true;
    } else if (arg == "--mutant") {
      if (!parse_mutant(value(), &options.mutant)) return usage();
    } else if (arg == "--dir") {
      options.temp_root = value();
    } else {
      return usage();
    }
  }
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t seeds = 0, failed = 0, events = 0, scans = 0;
  std::map<std::string, std::uint64_t> totals = {{"lost", 0},       {"duplicated", 0},  {"foreign", 0}, {"diverged", 0},
                                                 {"outbox_left", 0}, {"seq_gaps", 0},   {"not_quiet", 0}};
  std::map<std::string, std::uint64_t> faults;
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    SeedResult r = run_seed(seed, options);
    ++seeds;
    events += r.events;
    scans += r.scans_made;
    for (const auto& f : r.faults) ++faults[f];
    for (const auto& [k, n] : r.counts) totals[k] += n;
    if (options.trace && (r.failed() || trace_all)) {
      std::cerr << "# seed " << seed << "\n" << r.trace;
    }
    if (!r.failed()) continue;
    ++failed;
    nlohmann::json line;
    line["seed"] = seed;
    line["failures"] = r.failures;
    for (const auto& [k, n] : r.counts) line[k] = n;
    std::string replay = "scansync-sim --seeds " + std::to_string(seed) + "-" + std::to_string(seed) + " --trace";
    if (options.mutant != Mutant::none) replay += std::string(" --mutant ") + to_string(options.mutant);
    line["replay"] = replay;
    std::cout << line.dump() << std::endl;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::json summary;
  summary["seeds"] = seeds;
  summary["failed"] = failed;
  for (const auto& [k, n] : totals) summary[k] = n;
  summary["events"] = events;
  summary["scans"] = scans;
  summary["faults"] = faults;
  summary["seconds"] = std::round(seconds * 100) / 100;
  summary["seeds_per_s"] = std::round(seeds / seconds * 10) / 10;
  if (options.mutant != Mutant::none) summary["mutant"] = to_string(options.mutant);
  std::cout << summary.dump() << std::endl;
  return failed == 0 ? 0 : 1;
}
