#pragma once
// The simulated world of one seed: clock and event queue, the network
// (connections between devices and the gateway), the gateway host, the
// devices, the watcher, and the ledger the checks compare against.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/scan_app.h"
#include "gateway/scan_app.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"
#include "gateway/sio_client.h"
#include "scansync/client/client_driver.h"
#include "scansync/client/scan_feed.h"
#include "scansync/device/device_store.h"
#include "device/outbox_pump.h"
#include "sim/event_queue.h"
#include "sim/prng.h"
#include "sim/sim.h"

namespace scansync::sim {

class World;

// One WebSocket between a client driver and the gateway. Frames keep their
// order in each direction; faults delay, stall, black-hole or cut it.
struct Conn {
  std::uint64_t id = 0;
  client::ClientDriver* driver = nullptr;  // null once the client side closed or aborted it
  client::TransportId tid = 0;
  std::string owner;                       // who opened it, for the trace
  std::string user;                        // whose client it is
  std::string query;
  int gateway_life = 0;                    // the gateway incarnation serving it (0: none yet)
  bool server_open = false;                // the gateway holds a session for it
  bool cut = false;                        // reset: frames in flight are lost
  bool blackhole = false;                  // frames vanish, nobody is told
  TimePoint c2s_last{}, s2c_last{};        // FIFO: a frame never overtakes an earlier one
  TimePoint stalled_until{};
  Millis extra_delay{0};
};

class SimTransport;

// The gateway, hosted the way session_host.cc does it, minus Asio.
class SimGateway {
 public:
  explicit SimGateway(World& w) : w_(w) {}
  ~SimGateway();
  bool up() const { return repository_ != nullptr; }
  int life() const { return life_; }
  bool start();        // opens the database (false: could not, e.g. the disk is full)
  void kill();         // memory gone; what was committed stays in the file
  void accept(Conn& c);  // the connection reached the gateway
  void frame(Conn& c, const std::string& text);
  void closed(Conn& c);  // the client side of the connection went away
  // The database, for reads between batches; null while down.
  store::ScanStore* store() { return repository_ ? &repository_->store() : nullptr; }
  // Up, and no batch open or awaiting its completion.
  bool idle() const { return app_ && app_->idle(); }
  std::filesystem::path db_file() const;
  std::size_t sessions() const { return sessions_.size(); }

 private:
  struct Session {
    std::unique_ptr<gateway::EngineSession> engine;
    std::unique_ptr<gateway::SioClient> sio;
  };
  void after_input();  // the end of an event-loop turn: flush request, pumps, timers
  void pump();
  void drop_session(std::uint64_t conn);
  void arm_tick();

  World& w_;
  int life_ = 0;
  std::unique_ptr<scans::SqliteScanRepository> repository_;
  std::unique_ptr<gateway::ScanApp> app_;
  std::map<std::uint64_t, Session> sessions_;  // by connection id
  bool flush_requested_ = false;
  std::optional<TimePoint> tick_at_;
  std::uint64_t next_socket_ = 0;
};

// The Platform of one client driver: transports are simulated connections,
// the timer an event of the queue, now() the simulated clock.
class SimPlatform final : public client::Platform {
 public:
  SimPlatform(World& w, std::string owner, std::string user)
      : w_(w), owner_(std::move(owner)), user_(std::move(user)) {}
  void bind(client::ClientDriver* d) { driver_ = d; }
  std::unique_ptr<client::Transport> open_transport(std::string_view query, client::TransportId id) override;
  void arm_timer(client::TimePoint deadline) override;
  void cancel_timer() override { ++timer_gen_; }
  client::TimePoint now() override;

 private:
  World& w_;
  std::string owner_, user_;
  client::ClientDriver* driver_ = nullptr;
  std::uint64_t timer_gen_ = 0;
};

// A phone: the device client's parts (DeviceStore, ScanFeed, OutboxPump, the
// client driver) wired as DeviceClient::Impl wires them (device_client_sync.cc),
// with the simulated clock and timers in place of Asio's.
class SimDevice {
 public:
  SimDevice(World& w, std::string user, int index);
  ~SimDevice();
  const std::string& name() const { return name_; }
  const std::string& user() const { return user_; }
  const std::string& device_id() const { return device_id_; }
  std::filesystem::path db_file() const;
  bool alive() const { return store_ != nullptr; }

  bool start();  // opens the store and connects (false: the store did not open)
  void kill();   // memory gone, the database kept
  void set_online(bool online);
  void set_foreground(bool foreground);
  void revive();  // the app asks again after unauthorized / gave_up (quiet phase)
  // User actions; false when the store refused (the scan is then not "held").
  bool create(const std::string& id, const std::string& code);
  bool remove_random();
  std::optional<std::string> random_live_id();

  // For the checks.
  device::DeviceStore* store() { return store_.get(); }
  client::ScanFeed* feed() { return feed_.get(); }
  client::ClientDriver* driver() { return driver_.get(); }
  bool settled() const;

 private:
  void start_parts();
  void make_client();
  bool apply_batch(const std::vector<client::ScanChange>& changes, std::int64_t last_seq, std::string_view epoch);
  bool reset_history(std::string_view epoch);
  void outbox_changed();
  void arm_retry();
  void schedule_resync();
  void disarm_session_timers();
  void begin_background();
  void go_background();
  void end_background();
  void emit(std::string_view event, std::string args, client::AckHandler ack);

  World& w_;
  std::string user_, name_, device_id_;
  SimPlatform platform_;
  std::unique_ptr<device::DeviceStore> store_;
  std::unique_ptr<client::ScanFeed> feed_;
  std::unique_ptr<device::OutboxPump> pump_;
  std::unique_ptr<client::ClientDriver> driver_;
  bool online_ = true, foreground_ = true, flushing_ = false;
  std::uint64_t retry_gen_ = 0, resync_gen_ = 0, grace_gen_ = 0;
  int life_ = 0;
};

// A watcher: a plain socket of one user with a ScanFeed and a view in memory.
class SimWatcher {
 public:
  SimWatcher(World& w, std::string user);
  ~SimWatcher();
  void start();
  const std::string& user() const { return user_; }
  const std::map<std::string, std::string>& view() const { return view_; }  // id → user id
  client::ScanFeed* feed() { return feed_.get(); }
  client::ClientDriver* driver() { return driver_.get(); }
  void revive();

 private:
  World& w_;
  std::string user_;
  SimPlatform platform_;
  std::unique_ptr<client::ScanFeed> feed_;
  std::unique_ptr<client::ClientDriver> driver_;
  std::map<std::string, std::string> view_;
};

// What a (user, id) went through, as the users did it.
struct LedgerEntry {
  bool held = false;     // some device of the user stored it (its create in an outbox)
  bool deleted = false;  // some device of the user deleted it
  bool unpromised = false;  // a device that made it was reinstalled (its database wiped)
  std::set<std::string> holders;  // the devices that made it
  std::string code;
};

class World {
 public:
  World(std::uint64_t seed, const SimOptions& options, std::filesystem::path dir);
  ~World();

  std::uint64_t seed;
  const SimOptions& options;
  std::filesystem::path dir;
  Rng rng;
  EventQueue q;
  TimePoint start_time;
  SimGateway gateway{*this};
  std::vector<std::unique_ptr<SimDevice>> devices;
  std::vector<std::unique_ptr<SimWatcher>> watchers;
  std::map<std::pair<std::string, std::string>, LedgerEntry> ledger;
  std::map<std::string, TimePoint> token_expired_until;  // per device / watcher name
  std::set<std::string> faults_seen;
  bool quiet = false;        // no new faults; every delay and stall cleared
  bool history_unpromised = false;  // the history was restored without a new epoch
  std::uint64_t scans_made = 0;

  // Network.
  std::map<std::uint64_t, std::unique_ptr<Conn>> conns;
  std::uint64_t next_conn = 0;
  Conn* open(client::ClientDriver* d, client::TransportId tid, std::string owner, std::string user,
             std::string query);
  void client_send(Conn& c, std::string frame);
  void client_close(Conn& c, bool graceful);
  void server_send(Conn& c, std::string frame);
  void server_close(Conn& c);  // after the frames already sent
  void cut(Conn& c);           // a reset: both sides hear of it, frames in flight are lost
  void gateway_died();         // every connection of the gateway is reset
  Millis latency(const Conn& c);
  void forget_closed();

  std::int64_t unix_ms() const;
  std::string token_for(const std::string& who, const std::string& user);
  void note_fault(const std::string& kind) { faults_seen.insert(kind); }

  // Trace (only with options.trace).
  std::string trace;
  bool tracing() const { return options.trace; }
  void log(const std::string& who, const std::string& what);
  std::vector<std::string> epochs;  // replaced by E1, E2 … in the trace
};

std::string uuid_v4(Rng& rng);

}  // namespace scansync::sim
