#include "sim/checks.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

namespace scansync::sim {
namespace {

struct ServerRow {
  std::string id, code;
  std::int64_t seq = 0;
  std::optional<std::int64_t> deleted_seq;
};

struct ServerUser {
  std::int64_t last_seq = 0;
  std::vector<ServerRow> rows;
  std::map<std::string, const ServerRow*> live;
};

// Read straight from the gateway's file, not through the code under test.
std::map<std::string, ServerUser> read_server(const std::filesystem::path& file) {
  std::map<std::string, ServerUser> users;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return users;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT user, last_seq FROM user_state", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      users[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].last_seq = sqlite3_column_int64(st, 1);
    }
  }
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(db, "SELECT user, id, code, seq, deleted_seq FROM scans ORDER BY user, seq", -1, &st,
                         nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      ServerRow r;
      r.id = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      r.code = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
      r.seq = sqlite3_column_int64(st, 3);
      if (sqlite3_column_type(st, 4) != SQLITE_NULL) r.deleted_seq = sqlite3_column_int64(st, 4);
      users[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].rows.push_back(std::move(r));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  for (auto& [user, u] : users) {
    for (const auto& r : u.rows) {
      if (!r.deleted_seq) u.live[r.id] = &r;
    }
  }
  return users;
}

struct Latest {
  std::int64_t seq = -1;
  std::string epoch;
};

Latest latest_of(store::ScanStore& s, const std::string& user) {
  Latest l;
  if (auto page = s.live_page(user, std::nullopt, 1, 0); page.ok()) {
    l.seq = page->latest_seq;
    l.epoch = page->epoch;
  }
  return l;
}

class Verdict {
 public:
  explicit Verdict(SeedResult& r) : r_(r) {}
  void add(const std::string& kind, std::uint64_t n, const std::string& why) {
    if (n == 0) return;
    r_.counts[kind] += n;
    if (r_.failures.size() < 20) r_.failures.push_back(kind + ": " + why);
  }

 private:
  SeedResult& r_;
};

}  // namespace

bool quiet_reached(World& w) {
  auto* s = w.gateway.store();
  if (!s || !w.gateway.idle()) return false;
  std::map<std::string, Latest> latest;
  auto latest_for = [&](const std::string& user) -> const Latest& {
    auto it = latest.find(user);
    if (it == latest.end()) it = latest.emplace(user, latest_of(*s, user)).first;
    return it->second;
  };
  for (auto& d : w.devices) {
    if (!d->settled()) return false;
    const Latest& l = latest_for(d->user());
    if (d->feed()->last_seq() != l.seq || d->feed()->epoch() != l.epoch) return false;
  }
  for (auto& watcher : w.watchers) {
    if (watcher->driver()->status().status != client::Status::connected || watcher->feed()->catching_up()) return false;
    const Latest& l = latest_for(watcher->user());
    if (watcher->feed()->last_seq() != l.seq || watcher->feed()->epoch() != l.epoch) return false;
  }
  return true;
}

void check(World& w, bool settled, SeedResult& result) {
  Verdict v(result);
  if (!settled) {
    std::string who;
    for (auto& d : w.devices) {
      if (!d->alive()) {
        who += " " + d->name() + "(dead)";
        continue;
      }
      auto pending = d->store()->outbox_size();
      who += " " + d->name() + "(" + std::string(client::to_string(d->driver()->status().status)) +
             ",outbox=" + std::to_string(pending ? *pending : 0) + ",seq=" + std::to_string(d->feed()->last_seq()) +
             ",epoch=" + d->feed()->epoch().substr(0, 6) + (d->feed()->catching_up() ? ",catching_up" : "") + ")";
    }
    for (auto& watcher : w.watchers) {
      who += " " + watcher->user() + "-w(" + std::string(client::to_string(watcher->driver()->status().status)) +
             ",seq=" + std::to_string(watcher->feed()->last_seq()) +
             ",epoch=" + watcher->feed()->epoch().substr(0, 6) + (watcher->feed()->catching_up() ? ",catching_up" : "") + ")";
    }
    if (auto* s = w.gateway.store()) {
      for (const char* user : {"alice", "bob"}) {
        const Latest l = latest_of(*s, user);
        who += std::string(" server:") + user + "(seq=" + std::to_string(l.seq) + ",epoch=" + l.epoch.substr(0, 6) + ")";
      }
    } else {
      who += " server down";
    }
    v.add("not_quiet", 1, "no quiet within the bound:" + who);
  }
  const auto server = read_server(w.gateway.db_file());
  static const ServerUser none;
  auto server_of = [&](const std::string& user) -> const ServerUser& {
    auto it = server.find(user);
    return it == server.end() ? none : it->second;
  };

  // Seqs: every one of 1..last_seq exactly once, over creates and deletes.
  for (const auto& [user, u] : server) {
    std::map<std::int64_t, int> seen;
    for (const auto& r : u.rows) {
      ++seen[r.seq];
      if (r.deleted_seq) ++seen[*r.deleted_seq];
    }
    std::uint64_t bad = 0;
    for (std::int64_t s = 1; s <= u.last_seq; ++s) {
      auto it = seen.find(s);
      if (it == seen.end() || it->second != 1) ++bad;
    }
    for (const auto& [s, n] : seen) {
      if (s < 1 || s > u.last_seq) ++bad;
    }
    v.add("seq_gaps", bad, user + ": " + std::to_string(bad) + " seqs missing or repeated in 1.." + std::to_string(u.last_seq));
    std::map<std::string, int> codes;
    for (const auto& r : u.rows) ++codes[r.code];
    for (const auto& [code, n] : codes) {
      if (n > 1) v.add("duplicated", static_cast<std::uint64_t>(n - 1), user + ": code " + code + " stored " + std::to_string(n) + " times on the server");
    }
  }

  for (auto& d : w.devices) {
    if (!d->alive()) continue;
    const ServerUser& u = server_of(d->user());
    auto rows = d->store()->scans(100000);
    if (!rows) {
      v.add("diverged", 1, d->name() + ": scans unreadable");
      continue;
    }
    std::map<std::string, int> ids, codes;
    for (const auto& row : *rows) {
      ++ids[row.id];
      ++codes[row.code];
      if (row.user_id != d->user()) v.add("foreign", 1, d->name() + " shows " + row.user_id + "'s scan " + row.id);
    }
    for (const auto& [id, n] : ids) {
      if (n > 1) v.add("duplicated", static_cast<std::uint64_t>(n - 1), d->name() + " shows " + id + " " + std::to_string(n) + " times");
    }
    for (const auto& [code, n] : codes) {
      if (n > 1) v.add("duplicated", static_cast<std::uint64_t>(n - 1), d->name() + " shows code " + code + " " + std::to_string(n) + " times");
    }
    auto pending = d->store()->outbox_size();
    if (pending && *pending > 0) v.add("outbox_left", *pending, d->name() + ": " + std::to_string(*pending) + " outbox items left");
    if (w.history_unpromised) continue;
    for (const auto& row : *rows) {
      auto it = u.live.find(row.id);
      if (it == u.live.end()) {
        v.add("diverged", 1, d->name() + " shows " + row.id + " which the server does not hold live");
      } else if (!row.synced || row.seq != it->second->seq) {
        v.add("diverged", 1, d->name() + ": " + row.id + " seq " + std::to_string(row.seq) + (row.synced ? "" : " unsynced") + ", the server's " + std::to_string(it->second->seq));
      }
    }
    for (const auto& [id, r] : u.live) {
      if (!ids.count(id)) v.add("diverged", 1, d->name() + " lacks " + id + " (seq " + std::to_string(r->seq) + ")");
    }
  }

  for (auto& watcher : w.watchers) {
    const ServerUser& u = server_of(watcher->user());
    for (const auto& [id, user] : watcher->view()) {
      if (user != watcher->user()) {
        v.add("foreign", 1, watcher->user() + "-w shows " + user + "'s scan " + id);
      } else if (!w.history_unpromised && !u.live.count(id)) {
        v.add("diverged", 1, watcher->user() + "-w shows " + id + " which the server does not hold live");
      }
    }
    if (w.history_unpromised) continue;
    for (const auto& [id, r] : u.live) {
      if (!watcher->view().count(id)) v.add("diverged", 1, watcher->user() + "-w lacks " + id);
    }
  }

  if (!w.history_unpromised) {
    for (const auto& [key, entry] : w.ledger) {
      if (!entry.held || entry.deleted || entry.unpromised) continue;
      if (!server_of(key.first).live.count(key.second)) {
        v.add("lost", 1, key.first + "'s " + key.second + " (" + entry.code + ") is not on the server");
      }
    }
  }
}

}  // namespace scansync::sim
