#pragma once
// scansync-sim: the real client core, device store, feed and outbox pump of
// several devices and the real gateway session stack (Engine.IO, Socket.IO,
// ScanApp over the SqliteScanRepository) in one process, on a simulated clock and
// network, under faults drawn from a seed. After each schedule the system is
// run to quiet and the contract's invariants are checked (checks.cc).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace scansync::sim {

// Deliberately broken variants, to show that each invariant can fail. Test
// only: the product code is never changed, the simulator's own wiring is.
enum class Mutant {
  none,
  cursor_before_write,    // a device's feed is told a batch was applied although the store refused it
  forget_on_ack_timeout,  // the outbox forgets a create whose ack did not come (marks it synced)
  resend_new_id,          // a create whose ack did not come is sent again under a new id
  crossed_wires,          // the network hands some frames of one user's socket to the other user's watcher
  lose_committed_row,     // the gateway's database loses a committed scan (a store bug)
  ignore_delete_acks,     // the outbox never settles a delete
};
const char* to_string(Mutant m);
bool parse_mutant(const std::string& name, Mutant* out);

struct SimOptions {
  Mutant mutant = Mutant::none;
  bool trace = false;
  std::filesystem::path temp_root;  // empty: /dev/shm if present, else the system's temp folder
  int actions_min = 30, actions_max = 90;  // fault and user actions per schedule
  int quiet_bound_s = 900;                  // simulated seconds to reach quiet (else not_quiet)
};

// What one seed's checks found. Counters are the number of offending scans
// (or items); `failures` says which invariants failed and why.
struct SeedResult {
  std::uint64_t seed = 0;
  bool failed() const { return !failures.empty(); }
  std::vector<std::string> failures;
  std::map<std::string, std::uint64_t> counts;  // lost, duplicated, foreign, diverged, outbox_left, seq_gaps, not_quiet
  std::uint64_t events = 0;
  std::uint64_t scans_made = 0;
  std::vector<std::string> faults;  // the kinds drawn, once each, for the summary
  std::string trace;                // with SimOptions::trace
};

SeedResult run_seed(std::uint64_t seed, const SimOptions& options);

}  // namespace scansync::sim
