// One seed: the world, the schedule of user actions and faults drawn from
// the seed, the run to quiet, and the checks.
#include <sqlite3.h>
#include <unistd.h>

#include <functional>

#include "sim/checks.h"
#include "sim/failing_vfs.h"
#include "sim/world.h"
#include "store/new_epoch.h"

namespace scansync::sim {
namespace {

namespace fs = std::filesystem;

fs::path default_temp_root() {
  std::error_code ec;
  if (fs::is_directory("/dev/shm", ec)) return "/dev/shm";
  return fs::temp_directory_path();
}

class Schedule {
 public:
  explicit Schedule(World& w) : w_(w) {}

  void begin() {
    actions_left_ = static_cast<int>(w_.rng.range(w_.options.actions_min, w_.options.actions_max));
    next_action();
  }
  bool done() const { return actions_left_ <= 0; }

 private:
  void next_action() {
    w_.q.after(Millis(w_.rng.range(20, 3000)), [this] {
      if (w_.quiet) return;
      act();
      if (--actions_left_ > 0) next_action();
    });
  }

  SimDevice* any_device() {
    return w_.devices[static_cast<std::size_t>(w_.rng.range(0, static_cast<std::int64_t>(w_.devices.size()) - 1))].get();
  }
  Conn* any_conn() {
    std::vector<Conn*> open;
    for (auto& [id, c] : w_.conns) {
      if (c->driver || c->server_open) open.push_back(c.get());
    }
    if (open.empty()) return nullptr;
    return open[static_cast<std::size_t>(w_.rng.range(0, static_cast<std::int64_t>(open.size()) - 1))];
  }
  Millis between(int lo_ms, int hi_ms) { return Millis(w_.rng.range(lo_ms, hi_ms)); }

  void act() {
    struct Choice {
      int weight;
      void (Schedule::*fn)();
    };
    static const Choice choices[] = {
        {30, &Schedule::create},      {10, &Schedule::remove},       {6, &Schedule::cut},
        {4, &Schedule::stall},        {2, &Schedule::blackhole},     {3, &Schedule::delay},
        {2, &Schedule::kill_gateway}, {4, &Schedule::kill_device},   {4, &Schedule::offline},
        {4, &Schedule::background},   {2, &Schedule::expire_token},  {3, &Schedule::disk_full},
        {2, &Schedule::snapshot},     {2, &Schedule::restore},       {3, &Schedule::mutant_loses_row},
        {1, &Schedule::reinstall},
    };
    int total = 0;
    for (const auto& c : choices) total += c.weight;
    int pick = static_cast<int>(w_.rng.range(0, total - 1));
    for (const auto& c : choices) {
      if (pick < c.weight) return (this->*c.fn)();
      pick -= c.weight;
    }
  }

  void create() {
    SimDevice* d = any_device();
    std::string id = uuid_v4(w_.rng);
    if (!w_.ledger.empty() && w_.rng.chance(15)) {
      // Re-created by id: an id seen before (deleted or not, this user's or the other's).
      auto it = w_.ledger.begin();
      std::advance(it, w_.rng.range(0, static_cast<std::int64_t>(w_.ledger.size()) - 1));
      id = it->first.second;
      w_.note_fault("recreate");
    }
    const std::string code = "s" + std::to_string(w_.seed) + "-" + std::to_string(++made_);
    if (!d->create(id, code)) return;
    auto& entry = w_.ledger[{d->user(), id}];
    entry.held = true;
    entry.holders.insert(d->name());
    if (entry.code.empty()) entry.code = code;
    ++w_.scans_made;
  }
  void remove() { any_device()->remove_random(); }
  void cut() {
    if (Conn* c = any_conn()) {
      w_.note_fault("cut");
      w_.cut(*c);
    }
  }
  void stall() {
    if (Conn* c = any_conn()) {
      w_.note_fault("stall");
      c->stalled_until = w_.q.now() + between(1000, 60000);
      w_.log(c->owner, "conn " + std::to_string(c->id) + " stalls");
    }
  }
  void blackhole() {
    if (Conn* c = any_conn()) {
      w_.note_fault("blackhole");
      c->blackhole = true;
      w_.log(c->owner, "conn " + std::to_string(c->id) + " falls into a black hole");
    }
  }
  void delay() {
    if (Conn* c = any_conn()) {
      w_.note_fault("delay");
      c->extra_delay = between(100, 5000);
      w_.log(c->owner, "conn " + std::to_string(c->id) + " slows to +" + std::to_string(c->extra_delay.count()) + " ms");
    }
  }
  void kill_gateway() {
    if (!w_.gateway.up()) return;
    w_.note_fault("gateway_kill");
    w_.gateway.kill();
    restart_gateway_after(between(200, 20000));
  }
  void restart_gateway_after(Millis d) {
    w_.q.after(d, [this] {
      if (w_.gateway.up()) return;
      if (!w_.gateway.start()) restart_gateway_after(Millis(1000));
    });
  }
  void kill_device() {
    SimDevice* d = any_device();
    if (!d->alive()) return;
    w_.note_fault("device_kill");
    d->kill();
    restart_device_after(d, between(100, 30000));
  }
  void restart_device_after(SimDevice* d, Millis wait) {
    w_.q.after(wait, [this, d] {
      if (d->alive()) return;
      if (!d->start()) restart_device_after(d, Millis(1000));
    });
  }
  // The app reinstalled: its database gone (and the outbox with it: what it
  // held and never sent is not promised any more), a fresh one in its place.
  void reinstall() {
    SimDevice* d = any_device();
    if (!d->alive()) return;
    w_.note_fault("reinstall");
    d->kill();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(d->db_file().string() + suffix, ec);
    w_.log(d->name(), "app reinstalled");
    // Its own scans now live only on the server: one never sent is gone, and
    // after a later restore nobody re-sends the others. Not checked as lost.
    for (auto& [key, entry] : w_.ledger) {
      if (key.first == d->user() && entry.holders.count(d->name())) entry.unpromised = true;
    }
    restart_device_after(d, between(100, 5000));
  }
  void offline() {
    SimDevice* d = any_device();
    w_.note_fault("offline");
    d->set_online(false);
    w_.q.after(between(500, 60000), [d] { d->set_online(true); });
  }
  void background() {
    SimDevice* d = any_device();
    w_.note_fault("background");
    d->set_foreground(false);
    w_.q.after(between(500, 60000), [d] { d->set_foreground(true); });
  }
  void expire_token() {
    const bool watcher = w_.rng.chance(20);
    const std::string who = watcher ? w_.watchers.front()->user() + "-w" : any_device()->name();
    w_.note_fault("token_expiry");
    w_.token_expired_until[who] = w_.q.now() + between(1000, 60000);
    w_.log(who, "tokens expire for a while");
    // Make it matter: the device reconnects while its tokens are expired.
    if (!watcher) {
      for (auto& d : w_.devices) {
        if (d->name() == who && d->alive()) {
          for (auto& [id, c] : w_.conns) {
            if (c->driver == d->driver()) w_.cut(*c);
          }
        }
      }
    }
  }
  void disk_full() {
    const bool gw = w_.rng.chance(40);
    const fs::path file = gw ? w_.gateway.db_file() : any_device()->db_file();
    w_.note_fault(gw ? "disk_full_gateway" : "disk_full_device");
    vfs::set_full(file.string(), true);
    w_.log(gw ? "gateway" : file.stem().string(), "disk full");
    w_.q.after(between(500, 20000), [this, file] {
      vfs::set_full(file.string(), false);
      w_.log(file.stem().string(), "disk has room again");
    });
  }
  void snapshot() {
    if (!w_.gateway.idle()) return;
    w_.note_fault("snapshot");
    const fs::path db = w_.gateway.db_file();
    const fs::path backup = w_.dir / "backup";
    fs::create_directories(backup);
    std::error_code ec;
    fs::copy_file(db, backup / "scansync.db", fs::copy_options::overwrite_existing, ec);
    fs::remove(backup / "scansync.db-wal", ec);
    if (fs::exists(db.string() + "-wal")) {
      fs::copy_file(db.string() + "-wal", backup / "scansync.db-wal", fs::copy_options::overwrite_existing, ec);
    }
    have_backup_ = true;
    w_.log("gateway", "backup taken");
  }
  void restore() {
    if (!have_backup_) return;
    const bool new_epoch = w_.rng.chance(70);
    w_.note_fault(new_epoch ? "restore_new_epoch" : "restore_same_epoch");
    w_.gateway.kill();
    const fs::path db = w_.gateway.db_file();
    const fs::path backup = w_.dir / "backup";
    std::error_code ec;
    fs::remove(db.string() + "-wal", ec);
    fs::remove(db.string() + "-shm", ec);
    fs::copy_file(backup / "scansync.db", db, fs::copy_options::overwrite_existing, ec);
    if (fs::exists(backup / "scansync.db-wal")) {
      fs::copy_file(backup / "scansync.db-wal", db.string() + "-wal", fs::copy_options::overwrite_existing, ec);
    }
    if (new_epoch) {
      auto changed = store::give_new_epoch(db);
      if (changed) w_.epochs.push_back(changed->new_epoch);
      w_.log("gateway", changed ? "restored, new epoch " + changed->new_epoch
                                : "restored; new-epoch failed: " + changed.error().message());
      if (!changed) w_.history_unpromised = true;
    } else {
      // The contract asks the operator for `db new-epoch` after a restore;
      // without it a client only sees a reset when latestSeq < its cursor.
      w_.history_unpromised = true;
      w_.log("gateway", "restored, same epoch");
    }
    restart_gateway_after(between(200, 5000));
  }
  void mutant_loses_row() {
    if (w_.options.mutant != Mutant::lose_committed_row || !w_.gateway.up()) return;
    if (!w_.gateway.idle()) return;
    sqlite3* db = nullptr;
    if (sqlite3_open(w_.gateway.db_file().c_str(), &db) == SQLITE_OK) {
      sqlite3_exec(db,
                   "DELETE FROM scans WHERE (user, id) IN "
                   "(SELECT user, id FROM scans WHERE deleted_seq IS NULL ORDER BY seq LIMIT 1)",
                   nullptr, nullptr, nullptr);
      w_.log("gateway", "a committed row is lost (mutant)");
    }
    sqlite3_close(db);
  }

  World& w_;
  int actions_left_ = 0;
  std::uint64_t made_ = 0;
  bool have_backup_ = false;
};

// Everything to quiet: no faults, all up, online, in the foreground.
void make_quiet(World& w) {
  w.quiet = true;
  w.log("sim", "quiet: faults end");
  vfs::clear_all();
  w.token_expired_until.clear();
  for (auto& [id, c] : w.conns) {
    c->extra_delay = Millis(0);
    if (c->stalled_until > w.q.now()) c->stalled_until = w.q.now();
  }
  if (!w.gateway.up()) w.gateway.start();
  for (auto& d : w.devices) {
    d->start();
    d->set_online(true);
    d->set_foreground(true);
    d->revive();
  }
  for (auto& watcher : w.watchers) watcher->revive();
}

}  // namespace

World::World(std::uint64_t s, const SimOptions& o, std::filesystem::path d)
    : seed(s), options(o), dir(std::move(d)), rng(s) {
  start_time = q.now();
}

World::~World() {
  watchers.clear();
  devices.clear();
  gateway.kill();
  conns.clear();
}

SeedResult run_seed(std::uint64_t seed, const SimOptions& options) {
  vfs::install();
  vfs::clear_all();
  const fs::path root = options.temp_root.empty() ? default_temp_root() : options.temp_root;
  const fs::path dir = root / ("scansync-sim-" + std::to_string(::getpid()) + "-" + std::to_string(seed));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "gateway");
  SeedResult result;
  result.seed = seed;
  {
    World w(seed, options, fs::weakly_canonical(dir));
    w.gateway.start();
    for (const auto& [user, n] : {std::pair<std::string, int>{"alice", 3}, {"bob", 2}}) {
      for (int i = 1; i <= n; ++i) {
        w.devices.push_back(std::make_unique<SimDevice>(w, user, i));
        w.devices.back()->start();
      }
    }
    w.watchers.push_back(std::make_unique<SimWatcher>(w, "alice"));
    w.watchers.back()->start();

    Schedule schedule(w);
    schedule.begin();
    while (!schedule.done() && w.q.step()) {
      if (w.q.executed() % 256 == 0) w.forget_closed();
    }
    make_quiet(w);
    const auto bound = w.q.now() + std::chrono::seconds(options.quiet_bound_s);
    bool settled = false;
    while (w.q.now() < bound) {
      w.q.run_until(w.q.now() + std::chrono::seconds(1));
      w.forget_closed();
      if (quiet_reached(w)) {
        settled = true;
        break;
      }
      for (auto& d : w.devices) d->revive();
      for (auto& watcher : w.watchers) watcher->revive();
    }
    check(w, settled, result);
    result.events = w.q.executed();
    result.scans_made = w.scans_made;
    result.faults.assign(w.faults_seen.begin(), w.faults_seen.end());
    result.trace = std::move(w.trace);
  }
  vfs::clear_all();
  fs::remove_all(dir, ec);
  return result;
}

const char* to_string(Mutant m) {
  switch (m) {
    case Mutant::none: return "none";
    case Mutant::cursor_before_write: return "cursor_before_write";
    case Mutant::forget_on_ack_timeout: return "forget_on_ack_timeout";
    case Mutant::resend_new_id: return "resend_new_id";
    case Mutant::crossed_wires: return "crossed_wires";
    case Mutant::lose_committed_row: return "lose_committed_row";
    case Mutant::ignore_delete_acks: return "ignore_delete_acks";
  }
  return "?";
}

bool parse_mutant(const std::string& name, Mutant* out) {
  for (Mutant m : {Mutant::none, Mutant::cursor_before_write, Mutant::forget_on_ack_timeout, Mutant::resend_new_id,
                   Mutant::crossed_wires, Mutant::lose_committed_row, Mutant::ignore_delete_acks}) {
    if (name == to_string(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

}  // namespace scansync::sim
