// The simulated network: connections whose frames keep their order, with the
// latency, delays, stalls, black holes and resets the schedule draws.
#include <cstdio>

#include "scansync/auth/jwt.h"
#include "sim/world.h"

namespace scansync::sim {

class SimTransport final : public client::Transport {
 public:
  SimTransport(World& w, std::uint64_t conn) : w_(w), conn_(conn) {}
  void send(std::string frame) override {
    if (Conn* c = find()) w_.client_send(*c, std::move(frame));
  }
  void close() override {
    if (Conn* c = find()) w_.client_close(*c, true);
  }
  void abort() override {
    if (Conn* c = find()) w_.client_close(*c, false);
  }

 private:
  Conn* find() {
    auto it = w_.conns.find(conn_);
    return it == w_.conns.end() || !it->second->driver ? nullptr : it->second.get();
  }
  World& w_;
  std::uint64_t conn_;
};

std::unique_ptr<client::Transport> SimPlatform::open_transport(std::string_view query, client::TransportId id) {
  Conn* c = w_.open(driver_, id, owner_, user_, std::string(query));
  return std::make_unique<SimTransport>(w_, c->id);
}

void SimPlatform::arm_timer(client::TimePoint deadline) {
  const auto gen = ++timer_gen_;
  w_.q.at(deadline, [this, gen] {
    if (gen == timer_gen_ && driver_) driver_->timer_fired();
  });
}

client::TimePoint SimPlatform::now() { return w_.q.now(); }

Millis World::latency(const Conn& c) {
  Millis base(rng.range(1, 30));
  if (quiet) return base;
  if (rng.chance(3)) base += Millis(rng.range(100, 4000));  // a frame delivered late
  return base + c.extra_delay;
}

Conn* World::open(client::ClientDriver* d, client::TransportId tid, std::string owner, std::string user,
                  std::string query) {
  auto c = std::make_unique<Conn>();
  c->id = ++next_conn;
  c->driver = d;
  c->tid = tid;
  c->owner = std::move(owner);
  c->user = std::move(user);
  c->query = std::move(query);
  Conn* raw = c.get();
  conns.emplace(raw->id, std::move(c));
  const std::uint64_t id = raw->id;
  log(raw->owner, "open conn " + std::to_string(id));
  const auto t = q.now() + latency(*raw);
  raw->c2s_last = t;
  q.at(t, [this, id] {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    if (!c.driver) return;  // given up before it got there
    if (c.cut || c.blackhole) return;  // cut() or the black hole tells (or not) the client
    if (!gateway.up()) {
      log(c.owner, "conn " + std::to_string(id) + " refused");
      auto t2 = q.now() + latency(c);
      q.at(t2, [this, id] {
        auto it = conns.find(id);
        if (it == conns.end() || !it->second->driver) return;
        Conn& c = *it->second;
        client::ClientDriver* d = c.driver;
        c.driver = nullptr;
        d->transport_closed(c.tid, "connection refused");
      });
      return;
    }
    gateway.accept(c);
  });
  return raw;
}

void World::client_send(Conn& c, std::string frame) {
  if (c.blackhole) return;
  auto t = std::max(q.now() + latency(c), c.c2s_last);
  t = std::max(t, c.stalled_until);
  c.c2s_last = t;
  const std::uint64_t id = c.id;
  const int life = c.gateway_life;
  q.at(t, [this, id, life, frame = std::move(frame)] {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    if (c.cut || c.blackhole || !c.server_open || c.gateway_life != life || gateway.life() != life) return;
    gateway.frame(c, frame);
  });
}

void World::client_close(Conn& c, bool graceful) {
  log(c.owner, std::string(graceful ? "close" : "abort") + " conn " + std::to_string(c.id));
  c.driver = nullptr;
  if (c.blackhole || c.cut) return;
  // A graceful close reaches the server after the frames sent before it.
  auto t = q.now() + latency(c);
  if (graceful) t = std::max({t, c.c2s_last, c.stalled_until});
  c.c2s_last = t;
  const std::uint64_t id = c.id;
  q.at(t, [this, id] {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    if (c.server_open && c.gateway_life == gateway.life()) gateway.closed(c);
  });
}

void World::server_send(Conn& c, std::string frame) {
  if (c.blackhole) return;
  auto t = std::max({q.now() + latency(c), c.s2c_last, c.stalled_until});
  c.s2c_last = t;
  const std::uint64_t id = c.id;
  q.at(t, [this, id, frame = std::move(frame)] {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    Conn& c = *it->second;
    if (c.cut || c.blackhole || !c.driver) return;
    if (tracing()) log(c.owner, "<- " + frame);
    c.driver->transport_text(c.tid, frame);
  });
}

void World::server_close(Conn& c) {
  c.server_open = false;
  if (c.blackhole) return;
  auto t = std::max({q.now() + latency(c), c.s2c_last, c.stalled_until});
  c.s2c_last = t;
  const std::uint64_t id = c.id;
  q.at(t, [this, id] {
    auto it = conns.find(id);
    if (it == conns.end() || !it->second->driver) return;
    Conn& c = *it->second;
    client::ClientDriver* d = c.driver;
    c.driver = nullptr;
    log(c.owner, "conn " + std::to_string(id) + " closed by the server");
    d->transport_closed(c.tid, "closed by the server");
  });
}

void World::cut(Conn& c) {
  if (c.cut) return;
  c.cut = true;
  const std::uint64_t id = c.id;
  log(c.owner, "conn " + std::to_string(id) + " cut");
  if (c.server_open) {
    q.after(latency(c), [this, id] {
      auto it = conns.find(id);
      if (it == conns.end()) return;
      Conn& c = *it->second;
      if (c.server_open && c.gateway_life == gateway.life()) gateway.closed(c);
    });
  }
  q.after(latency(c), [this, id] {
    auto it = conns.find(id);
    if (it == conns.end() || !it->second->driver) return;
    Conn& c = *it->second;
    client::ClientDriver* d = c.driver;
    c.driver = nullptr;
    d->transport_closed(c.tid, "connection reset");
  });
}

void World::gateway_died() {
  for (auto& [id, c] : conns) {
    if (!c->server_open) continue;
    c->server_open = false;
    // The kernel resets the process's sockets; a black hole swallows that too.
    if (!c->blackhole) cut(*c);
  }
}

void World::forget_closed() {
  for (auto it = conns.begin(); it != conns.end();) {
    const Conn& c = *it->second;
    const bool done = !c.driver && !c.server_open;
    // Events still queued for it find it gone and do nothing.
    it = done ? conns.erase(it) : std::next(it);
  }
}

std::int64_t World::unix_ms() const {
  return 1'800'000'000'000LL + std::chrono::duration_cast<Millis>(q.now() - start_time).count();
}

std::string World::token_for(const std::string& who, const std::string& user) {
  auth::Claims c;
  c.sub = user;
  const std::int64_t now_s = unix_ms() / 1000;
  auto it = token_expired_until.find(who);
  const bool expired = it != token_expired_until.end() && q.now() < it->second;
  c.iat = now_s - 7200;
  c.exp = expired ? now_s - 60 : now_s + 3600;
  if (expired) log(who, "token: an expired one");
  return auth::sign_hs256(c, "sim-secret");
}

void World::log(const std::string& who, const std::string& what) {
  if (!options.trace) return;
  const auto ms = std::chrono::duration_cast<Millis>(q.now() - start_time).count();
  char head[48];
  std::snprintf(head, sizeof head, "%8lld.%03lld %-8s ", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000), who.c_str());
  std::string line = head + what;
  for (std::size_t i = 0; i < epochs.size(); ++i) {
    for (auto p = line.find(epochs[i]); p != std::string::npos; p = line.find(epochs[i])) {
      line.replace(p, epochs[i].size(), "E" + std::to_string(i + 1));
    }
  }
  // Cut after the epochs are replaced: a cut one would stay random.
  if (line.size() > 240) line.resize(240);
  trace += line;
  trace += '\n';
}

std::string uuid_v4(Rng& rng) {
  const std::uint64_t a = rng.next(), b = rng.next();
  char out[37];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

}  // namespace scansync::sim
