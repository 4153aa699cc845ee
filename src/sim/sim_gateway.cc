// The gateway in the simulation: the sessions of session_host.cc and the
// group commit of gateway.cc, on the simulated clock, with no Asio.
#include "sim/world.h"

#include <algorithm>

#include "store/durability.h"

namespace scansync::sim {
namespace {

gateway::EngineConfig engine_config() {
  gateway::EngineConfig c;  // the contract's defaults: 25 s / 20 s, 1 MB
  return c;
}

gateway::HandshakeInfo handshake_of(std::string_view query) {
  gateway::HandshakeInfo h;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    auto eq = part.find('=');
    if (eq != std::string_view::npos) h.query[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return h;
}

}  // namespace

SimGateway::~SimGateway() { kill(); }

std::filesystem::path SimGateway::db_file() const { return w_.dir / "gateway" / "scansync.db"; }

bool SimGateway::start() {
  if (up()) return true;
  store::StoreOptions o;
  // Committed is in the WAL when COMMIT returns: the kill model ("committed
  // survives") holds without fsyncs.
  o.durability = store::Durability::normal;
  o.background_checkpoint = false;  // no threads
  std::error_code ignored;
  std::filesystem::create_directories(db_file().parent_path(), ignored);  // open() reports any failure
  auto s = store::ScanStore::open(db_file(), o);
  if (!s) {
    w_.log("gateway", "start failed: " + s.error().message());
    return false;
  }
  ++life_;
  // The repository's completions are events of the queue, as they are
  // posted to the io_context in the gateway; then the turn ends as any other.
  const int life = life_;
  repository_ = std::make_unique<scans::SqliteScanRepository>(std::move(*s), [this, life](std::function<void()> fn) {
    w_.q.after(Millis(0), [this, life, fn = std::move(fn)] {
      if (!up() || life != life_) return;
      fn();
      after_input();
    });
  });
  const std::string epoch = repository_->epoch();
  // The epochs are random: the trace names them E1, E2 … in order of appearance.
  if (std::find(w_.epochs.begin(), w_.epochs.end(), epoch) == w_.epochs.end()) w_.epochs.push_back(epoch);
  auth::VerifierOptions v;
  v.secret = "sim-secret";
  gateway::ScanAppHooks hooks;
  hooks.request_flush = [this] { flush_requested_ = true; };
  scans::RequestOptions service;
  service.now_unix_ms = [this] { return w_.unix_ms(); };
  app_ = std::make_unique<gateway::ScanApp>(*repository_, std::move(service), v,
                                            [this] { return w_.unix_ms() / 1000; }, gateway::ScanAppLimits{}, hooks);
  w_.log("gateway", "started (life " + std::to_string(life_) + ", epoch " + epoch + ")");
  return true;
}

void SimGateway::kill() {
  if (!up()) return;
  w_.log("gateway", "killed");
  // The sockets leave before the app and the service go; the open batch is
  // rolled back (never acked, never broadcast), as a dead process's would be.
  for (auto& [id, s] : sessions_) {
    s.engine->set_upper(nullptr);
    s.sio.reset();
  }
  sessions_.clear();
  app_.reset();
  repository_.reset();
  flush_requested_ = false;
  tick_at_.reset();
  w_.gateway_died();
}

void SimGateway::accept(Conn& c) {
  c.gateway_life = life_;
  c.server_open = true;
  const std::string sid = "sid" + std::to_string(c.id);
  Session s;
  s.engine = std::make_unique<gateway::EngineSession>(sid, gateway::TransportKind::websocket, engine_config(),
                                                      w_.q.now(), 1);
  s.sio = std::make_unique<gateway::SioClient>(*s.engine, *app_, handshake_of(c.query), Millis(45000), w_.q.now(),
                                               [this] { return "sock" + std::to_string(++next_socket_); });
  s.engine->set_upper(s.sio.get());
  sessions_.emplace(c.id, std::move(s));
  // The 101 answer: the client hears of the open before the OPEN packet.
  const auto t = std::max(w_.q.now() + w_.latency(c), c.s2c_last);
  c.s2c_last = t;
  const std::uint64_t id = c.id;
  w_.q.at(t, [this, id] {
    auto it = w_.conns.find(id);
    if (it == w_.conns.end()) return;
    Conn& c = *it->second;
    if (c.cut || c.blackhole || !c.driver) return;
    c.driver->transport_opened(c.tid);
  });
  after_input();
}

void SimGateway::frame(Conn& c, const std::string& text) {
  auto it = sessions_.find(c.id);
  if (it == sessions_.end()) return;
  if (w_.tracing()) w_.log("gateway", "-> " + c.owner + " " + text);
  it->second.engine->on_ws_frame(1, text, false, w_.q.now());
  after_input();
}

void SimGateway::closed(Conn& c) {
  auto it = sessions_.find(c.id);
  if (it == sessions_.end()) return;
  it->second.engine->on_ws_closed(1);
  after_input();
}

void SimGateway::after_input() {
  if (flush_requested_) {
    flush_requested_ = false;
    // The flush is posted: it runs once the loop's turn is over, and a kill
    // may come first (the batch is then lost, never having been acked).
    const int life = life_;
    w_.q.after(Millis(w_.rng.range(0, 2)), [this, life] {
      if (!up() || life != life_) return;
      app_->flush();
      after_input();
    });
  }
  pump();
  arm_tick();
}

void SimGateway::pump() {
  std::vector<std::uint64_t> done;
  for (auto& [id, s] : sessions_) {
    s.sio->release_departed();
    auto cit = w_.conns.find(id);
    Conn* c = cit == w_.conns.end() ? nullptr : cit->second.get();
    while (auto f = s.engine->take_ws_frame(1)) {
      if (!c) continue;
      w_.server_send(*c, *f->bytes);
      if (w_.options.mutant == Mutant::crossed_wires && f->bytes->find("scan:created") != std::string::npos) {
        // The broken variant: a frame also reaches another user's watcher.
        for (auto& [other_id, other] : w_.conns) {
          if (other->server_open && other->user != c->user && other->owner.ends_with("-w") && w_.rng.chance(50)) {
            w_.server_send(*other, *f->bytes);
          }
        }
      }
    }
    if (s.engine->closed() || !s.engine->ws_channel_alive(1)) done.push_back(id);
  }
  for (auto id : done) drop_session(id);
}

void SimGateway::drop_session(std::uint64_t conn) {
  auto it = sessions_.find(conn);
  if (it == sessions_.end()) return;
  it->second.engine->set_upper(nullptr);
  it->second.sio.reset();
  sessions_.erase(it);
  auto cit = w_.conns.find(conn);
  if (cit != w_.conns.end() && cit->second->server_open) w_.server_close(*cit->second);
}

void SimGateway::arm_tick() {
  std::optional<TimePoint> due;
  for (auto& [id, s] : sessions_) {
    auto d = s.engine->next_deadline();
    if (d && (!due || *d < *due)) due = d;
  }
  if (!due || (tick_at_ && *tick_at_ <= *due)) return;
  tick_at_ = due;
  const int life = life_;
  w_.q.at(*due, [this, life, at = *due] {
    if (!up() || life != life_) return;
    if (tick_at_ == at) tick_at_.reset();
    for (auto& [id, s] : sessions_) {
      if (auto d = s.engine->next_deadline(); d && *d <= w_.q.now()) s.engine->on_tick(w_.q.now());
    }
    after_input();
  });
}

}  // namespace scansync::sim
