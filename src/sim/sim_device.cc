// A device in the simulation: DeviceStore, ScanFeed, OutboxPump and the
// client driver wired as DeviceClient::Impl wires them (device_client_sync.cc),
// over the simulated clock, timers and network. Kept in step with that file
// by hand: DeviceClient runs its own thread and Asio timers, which a
// deterministic simulation cannot drive.
#include <chrono>

#include <nlohmann/json.hpp>

#include "device/new_scan.h"
#include "sim/world.h"

namespace scansync::sim {
namespace {

namespace sc = scansync::client;

constexpr auto kResyncDelay = std::chrono::seconds(2);    // device_client_sync.cc
constexpr auto kBackgroundGrace = std::chrono::seconds(5);  // DeviceClientOptions::background_grace

std::string created_at(std::int64_t unix_ms) {
  return device::detail::rfc3339_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
}

}  // namespace

SimDevice::SimDevice(World& w, std::string user, int index)
    : w_(w),
      user_(std::move(user)),
      name_(user_ + std::to_string(index)),
      device_id_("device-" + name_),
      platform_(w, name_, user_) {}

SimDevice::~SimDevice() { kill(); }

std::filesystem::path SimDevice::db_file() const { return w_.dir / (name_ + ".db"); }

bool SimDevice::start() {
  if (alive()) return true;
  device::DeviceStoreOptions o;
  o.verify_on_open = false;  // speed; the files are the simulation's own
  o.busy_timeout_ms = 0;     // one connection per file: nothing to wait for
  auto store = device::DeviceStore::open(db_file(), user_, o);
  if (!store) {
    w_.log(name_, "start failed: " + store.error().message());
    return false;
  }
  // A fixed device id (the store would draw a random one): a seed fully
  // determines the run.
  if (auto ec = (*store)->set_setting("device_id", device_id_)) {
    w_.log(name_, "start failed: " + ec.message());
    return false;
  }
  store_ = std::move(*store);
  ++life_;
  w_.log(name_, "app started");
  start_parts();
  return true;
}

void SimDevice::start_parts() {
  const auto cursor = store_->cursor();
  sc::ScanFeedOptions feed_options;
  if (cursor) {
    feed_options.last_seq = cursor->last_seq;
    feed_options.epoch = cursor->epoch;
  }
  feed_options.page_limit = 50;  // several pages per catch-up
  feed_ = std::make_unique<sc::ScanFeed>(
      [this](std::string_view event, std::string args, sc::AckHandler ack) {
        driver_->emit(event, args, std::move(ack));
      },
      sc::ScanFeed::BatchHandler([this](const std::vector<sc::ScanChange>& changes, std::int64_t last_seq,
                                        std::string_view epoch) { return apply_batch(changes, last_seq, epoch); }),
      feed_options);
  feed_->on_reset([this](std::string_view epoch) { return reset_history(epoch); });
  feed_->on_error([this](std::string_view code, std::string_view message) {
    w_.log(name_, "feed error " + std::string(code) + ": " + std::string(message));
    if (code == "apply_failed" || code == "sync_failed") schedule_resync();
  });
  device::OutboxPump::Options pump_options;
  pump_options.max_in_flight = 16;
  pump_ = std::make_unique<device::OutboxPump>(
      *store_, [this](std::string_view event, std::string args, sc::AckHandler ack) { emit(event, std::move(args), std::move(ack)); },
      [this] { return w_.q.now(); }, pump_options);
  pump_->on_error([this](std::string_view code, std::string_view id, std::string_view message) {
    w_.log(name_, "outbox error " + std::string(code) + " " + std::string(id) + ": " + std::string(message));
  });
  pump_->on_change([this] { outbox_changed(); });
  pump_->on_pause([this] { arm_retry(); });
  make_client();
}

void SimDevice::make_client() {
  sc::ClientOptions core;
  driver_ = std::make_unique<sc::ClientDriver>(
      core, [this] { return w_.token_for(name_, user_); }, platform_);
  platform_.bind(driver_.get());
  driver_->on_status([this](const sc::StatusInfo& s) {
    w_.log(name_, "status " + std::string(sc::to_string(s.status)) +
                      (s.status == sc::Status::disconnected ? " " + std::string(sc::to_string(s.reason)) : ""));
  });
  driver_->on("connect", [this](const sc::Event&) {
    feed_->catch_up();
    pump_->connected();
    arm_retry();
  });
  driver_->on("disconnect", [this](const sc::Event&) {
    pump_->disconnected();
    disarm_session_timers();
  });
  driver_->on("error", [this](const sc::Event& e) {
    w_.log(name_, "error " + (e.args.empty() ? std::string() : std::string(e.args.front())));
  });
  for (const char* event : {"scan:created", "scan:deleted"}) {
    driver_->on(event, [this](const sc::Event& e) {
      if (!e.args.empty()) feed_->live(e.name, e.args.front());
    });
  }
  driver_->set_online(online_);
  driver_->set_foreground(foreground_ && !flushing_);
  driver_->connect();
}

void SimDevice::emit(std::string_view event, std::string args, sc::AckHandler ack) {
  const Mutant m = w_.options.mutant;
  const bool create = event == "scan:create";
  if (m == Mutant::ignore_delete_acks && event == "scan:delete") {
    driver_->emit(event, args, [](std::error_code, const std::vector<std::string_view>&) {});
    return;
  }
  if (create && (m == Mutant::forget_on_ack_timeout || m == Mutant::resend_new_id)) {
    auto payload = nlohmann::json::parse(args, nullptr, false);
    std::string id, code;
    if (payload.is_array() && !payload.empty() && payload[0].is_object()) {
      id = payload[0].value("id", "");
      code = payload[0].value("code", "");
    }
    const int life = life_;
    ack = [this, life, id, code, m, inner = std::move(ack)](std::error_code ec,
                                                             const std::vector<std::string_view>& reply) {
      if (ec && life == life_ && alive()) {
        if (m == Mutant::forget_on_ack_timeout) {
          if (auto row = store_->scan(id); row && *row) (void)store_->ack_create(**row);
        } else {
          device::Scan again;
          again.id = uuid_v4(w_.rng);
          again.code = code;
          again.format = "qr";
          again.created_at = created_at(w_.unix_ms());
          (void)store_->add_local_scan(again);
        }
      }
      if (inner) inner(ec, reply);
    };
  }
  driver_->emit(event, args, std::move(ack));
}

bool SimDevice::apply_batch(const std::vector<sc::ScanChange>& changes, std::int64_t last_seq,
                            std::string_view epoch) {
  std::vector<device::ServerChange> decoded;
  decoded.reserve(changes.size());
  for (const auto& c : changes) {
    const auto op = c.op == sc::ScanChange::Op::created ? device::ServerChange::Op::created
                                                        : device::ServerChange::Op::deleted;
    auto change = device::decode_server_change(op, c.json);
    if (!change) {
      w_.log(name_, "bad change at seq " + std::to_string(c.seq));
      continue;
    }
    decoded.push_back(std::move(*change));
  }
  if (auto ec = store_->apply(decoded, device::Cursor{last_seq, std::string(epoch)})) {
    w_.log(name_, "apply failed: " + ec.message());
    return w_.options.mutant == Mutant::cursor_before_write;
  }
  outbox_changed();
  return true;
}

bool SimDevice::reset_history(std::string_view epoch) {
  w_.log(name_, "history reset to epoch " + std::string(epoch));
  if (auto ec = store_->reset_history(epoch)) {
    w_.log(name_, "reset failed: " + ec.message());
    return false;
  }
  outbox_changed();
  return true;
}

void SimDevice::outbox_changed() {
  pump_->pump();
  arm_retry();
  if (flushing_) {
    auto pending = store_->outbox_size();
    if (pending && *pending == 0) go_background();
  }
}

void SimDevice::arm_retry() {
  const auto at = pump_->retry_at();
  if (!at || !pump_->connected_now()) return;
  const auto gen = ++retry_gen_;
  w_.q.at(*at, [this, gen] {
    if (gen != retry_gen_ || !alive()) return;
    pump_->on_timer();
    arm_retry();
  });
}

void SimDevice::schedule_resync() {
  const auto gen = ++resync_gen_;
  w_.q.after(kResyncDelay, [this, gen] {
    if (gen != resync_gen_ || !alive()) return;
    if (driver_->status().status != sc::Status::connected) return;
    if (!feed_->catching_up()) feed_->catch_up();
  });
}

void SimDevice::disarm_session_timers() {
  ++retry_gen_;
  ++resync_gen_;
}

void SimDevice::set_online(bool online) {
  w_.log(name_, online ? "online" : "offline");
  online_ = online;
  if (alive()) driver_->set_online(online);
}

void SimDevice::set_foreground(bool foreground) {
  w_.log(name_, foreground ? "foreground" : "background");
  if (!alive()) {
    foreground_ = foreground;
    return;
  }
  if (foreground == foreground_ && !flushing_) return;
  if (foreground) {
    end_background();
  } else {
    begin_background();
  }
}

void SimDevice::begin_background() {
  foreground_ = false;
  const auto pending = store_->outbox_size();
  const bool connected = driver_->status().status == sc::Status::connected;
  if (!connected || !pending || *pending == 0) return go_background();
  flushing_ = true;
  const auto gen = ++grace_gen_;
  w_.q.after(kBackgroundGrace, [this, gen] {
    if (gen != grace_gen_ || !alive()) return;
    if (flushing_) go_background();
  });
}

void SimDevice::go_background() {
  flushing_ = false;
  ++grace_gen_;
  driver_->set_foreground(false);
  (void)store_->checkpoint();
}

void SimDevice::end_background() {
  foreground_ = true;
  if (flushing_) {
    flushing_ = false;
    ++grace_gen_;
    return;
  }
  driver_->set_foreground(true);
}

void SimDevice::kill() {
  if (!alive()) return;
  w_.log(name_, "app killed");
  ++life_;
  ++retry_gen_;
  ++resync_gen_;
  ++grace_gen_;
  flushing_ = false;
  platform_.cancel_timer();
  platform_.bind(nullptr);
  driver_.reset();  // aborts its transport: the server hears a reset
  pump_.reset();
  feed_.reset();
  store_.reset();
}

void SimDevice::revive() {
  if (!alive()) return;
  const auto& s = driver_->status();
  if (s.status == sc::Status::disconnected && s.reason != sc::DisconnectReason::offline &&
      s.reason != sc::DisconnectReason::background) {
    w_.log(name_, "connect again (was " + std::string(sc::to_string(s.reason)) + ")");
    driver_->connect();
  }
}

bool SimDevice::create(const std::string& id, const std::string& code) {
  if (!alive()) return false;
  device::Scan scan;
  scan.id = id;
  scan.code = code;
  scan.format = "qr";
  scan.created_at = created_at(w_.unix_ms());
  auto stored = store_->add_local_scan(scan);
  if (!stored) {
    w_.log(name_, "create " + id + " refused: " + stored.error().message());
    return false;
  }
  w_.log(name_, "create " + id + " " + code);
  outbox_changed();
  return true;
}

std::optional<std::string> SimDevice::random_live_id() {
  if (!alive()) return std::nullopt;
  auto rows = store_->scans(1000);
  if (!rows || rows->empty()) return std::nullopt;
  return (*rows)[static_cast<std::size_t>(w_.rng.range(0, static_cast<std::int64_t>(rows->size()) - 1))].id;
}

bool SimDevice::remove_random() {
  auto id = random_live_id();
  if (!id) return false;
  if (auto ec = store_->delete_local(*id)) {
    w_.log(name_, "delete " + *id + " refused: " + ec.message());
    return false;
  }
  w_.log(name_, "delete " + *id);
  w_.ledger[{user_, *id}].deleted = true;
  outbox_changed();
  return true;
}

bool SimDevice::settled() const {
  if (!alive() || flushing_) return false;
  if (driver_->status().status != sc::Status::connected) return false;
  auto pending = store_->outbox_size();
  if (!pending || *pending != 0 || pump_->in_flight() != 0) return false;
  return !feed_->catching_up();
}

SimWatcher::SimWatcher(World& w, std::string user) : w_(w), user_(std::move(user)), platform_(w, user_ + "-w", user_) {}

SimWatcher::~SimWatcher() {
  platform_.cancel_timer();
  platform_.bind(nullptr);
  driver_.reset();
}

void SimWatcher::start() {
  const std::string me = user_ + "-w";
  feed_ = std::make_unique<sc::ScanFeed>(
      [this](std::string_view event, std::string args, sc::AckHandler ack) {
        driver_->emit(event, args, std::move(ack));
      },
      sc::ScanFeed::ChangeHandler([this](const sc::ScanChange& c) {
        if (c.op == sc::ScanChange::Op::created) {
          auto j = nlohmann::json::parse(c.json, nullptr, false);
          view_[c.id] = j.is_object() ? j.value("userId", "") : "";
        } else {
          view_.erase(c.id);
        }
      }));
  feed_->on_reset([this] { view_.clear(); });
  // As a device does: a catch-up that ended early is tried again.
  feed_->on_error([this](std::string_view, std::string_view) {
    w_.q.after(std::chrono::seconds(2), [this] {
      if (driver_->status().status == sc::Status::connected && !feed_->catching_up()) feed_->catch_up();
    });
  });
  driver_ = std::make_unique<sc::ClientDriver>(sc::ClientOptions{}, [this, me] { return w_.token_for(me, user_); },
                                               platform_);
  platform_.bind(driver_.get());
  driver_->on("connect", [this](const sc::Event&) { feed_->catch_up(); });
  for (const char* event : {"scan:created", "scan:deleted"}) {
    driver_->on(event, [this](const sc::Event& e) {
      if (!e.args.empty()) feed_->live(e.name, e.args.front());
    });
  }
  driver_->connect();
}

void SimWatcher::revive() {
  const auto& s = driver_->status();
  if (s.status == sc::Status::disconnected) driver_->connect();
}

}  // namespace scansync::sim
