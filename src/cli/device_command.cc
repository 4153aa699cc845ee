// scansync device: plays a phone. A DeviceClient on a local database
// (--db), driven by commands on stdin, one per line:
//   scan CODE [FORMAT] | delete ID | offline | online | background |
//   foreground | list | status | url NEWURL | quit
// With --network auto the kernel's default routes (netlink) also take it
// offline and online, with a {"type":"network","online":b} line each time.
// and printing one JSON line per status change, store change and answer:
//   {"type":"status",...} {"type":"scans","count":n} {"type":"scanned","scan":{...}}
//   {"type":"list","scans":[...]} {"type":"sync",...} {"type":"ok","command":"..."}
//   {"type":"error","code":"...","message":"..."}
// EOF on stdin is quit.
//
// Exit codes: 0 after quit (or EOF, SIGINT, SIGTERM); 1 the database could
// not be opened (corrupt, or not this device's: the file is left untouched);
// 2 bad arguments.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/base64url.h"
#include "cli/commands.h"
#include "cli/usage.h"
#include "scansync/device/device_client.h"
#include "scansync/device/network_monitor.h"

namespace scansync::cli {
namespace {

namespace sc = scansync::client;
namespace sd = scansync::device;
using nlohmann::json;

struct DeviceOptions {
  std::string url, token, db, user;
  int backoff_initial_ms = 1000;
  int background_grace_ms = 5000;
  bool start_offline = false;
  std::string network = "manual";  // auto: the kernel's routes say online/offline (netlink)
};

// Lines from the client's thread and from the command loop never interleave.
class Output {
 public:
  void line(const json& j) {
    const std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
    std::lock_guard lock(mu_);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  void error(std::string_view code, std::string_view message) {
    line({{"type", "error"}, {"code", code}, {"message", message}});
  }

 private:
  std::mutex mu_;
};

json scan_json(const sd::Scan& s) {
  return {{"id", s.id},           {"userId", s.user_id},       {"code", s.code}, {"format", s.format},
          {"deviceId", s.device_id}, {"createdAt", s.created_at}, {"seq", s.seq},   {"synced", s.synced}};
}

json sync_json(const sd::SyncState& s, const char* type) {
  json j = {{"type", type}, {"status", std::string(sc::to_string(s.status))}, {"pending", s.pending},
            {"lastSeq", s.last_seq}, {"flushing", s.flushing}};
  if (s.status == sc::Status::disconnected) j["reason"] = std::string(sc::to_string(s.reason));
  if (s.status == sc::Status::reconnecting) {
    j["attempt"] = s.attempt;
    j["delayMs"] = s.next_retry.count();
  }
  if (!s.last_synced_at.empty()) j["lastSyncedAt"] = s.last_synced_at;
  if (!s.last_error_code.empty()) j["lastError"] = {{"code", s.last_error_code}, {"message", s.last_error_message}};
  return j;
}

// The token's sub, read from the payload without checking the signature
// (the gateway checks it; here it only names the user's rows).
std::string token_subject(const std::string& token) {
  const auto first = token.find('.');
  const auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) return {};
  const auto payload = auth::base64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!payload) return {};
  const json claims = json::parse(*payload, nullptr, false);
  if (!claims.is_object() || !claims.contains("sub") || !claims["sub"].is_string()) return {};
  return claims["sub"].get<std::string>();
}

void answer_list(Output& out, sd::DeviceClient& device) {
  json rows = json::array();
  for (const auto& s : device.scans().snapshot().scans) rows.push_back(scan_json(s));
  out.line({{"type", "list"}, {"count", rows.size()}, {"scans", rows}});
}

// One command line; false for quit.
bool run_command(const std::string& text, Output& out, sd::DeviceClient& device) {
  std::istringstream in(text);
  std::string cmd, arg, arg2;
  in >> cmd >> arg >> arg2;
  if (cmd.empty()) return true;
  auto ok = [&] { out.line({{"type", "ok"}, {"command", cmd}}); };
  if (cmd == "scan") {
    if (arg.empty()) return out.error("bad_command", "scan CODE [FORMAT]"), true;
    auto made = device.scan(arg, arg2.empty() ? "qr" : arg2);
    if (!made) return out.error("scan_failed", made.error().message()), true;
    out.line({{"type", "scanned"}, {"scan", scan_json(*made)}});
  } else if (cmd == "delete") {
    if (auto ec = device.remove(arg)) return out.error("delete_failed", ec.message()), true;
    out.line({{"type", "deleted"}, {"id", arg}});
  } else if (cmd == "offline" || cmd == "online") {
    device.set_online(cmd == "online");
    ok();
  } else if (cmd == "background" || cmd == "foreground") {
    device.set_foreground(cmd == "foreground");
    ok();
  } else if (cmd == "list") {
    answer_list(out, device);
  } else if (cmd == "status") {
    out.line(sync_json(device.sync().snapshot(), "sync"));
  } else if (cmd == "url") {
    if (auto ec = device.set_url(arg)) return out.error("bad_url", ec.message()), true;
    ok();
  } else if (cmd == "quit") {
    return false;
  } else {
    out.error("bad_command", "unknown command: " + cmd);
  }
  return true;
}

int run_device(const CLI::App& cmd, const DeviceOptions& o) {
  sd::DeviceClientOptions options;
  options.url = o.url;
  options.tokens = [token = o.token] { return token; };
  options.db_file = o.db;
  options.user = o.user.empty() ? token_subject(o.token) : o.user;
  if (options.user.empty()) return usage_error(cmd, "no --user, and the token names no sub");
  options.core.backoff.initial = sc::Millis(o.backoff_initial_ms);
  options.core.backoff.max_attempts = 1000000;  // a phone never gives up
  options.background_grace = std::chrono::milliseconds(o.background_grace_ms);
  options.start_online = !o.start_offline;

  Output out;
  auto opened = sd::DeviceClient::open(std::move(options));
  if (!opened) {
    std::fprintf(stderr, "scansync device: %s: %s\n", o.db.c_str(), opened.error().message().c_str());
    return 1;
  }
  auto device = std::move(*opened);
  // Status lines when the connection or the outbox changes, not for every
  // field (last_synced_at moves with each batch).
  sd::SyncState last;
  bool first = true;
  device->sync().subscribe([&](const sd::SyncState& s) {
    if (!first && s.status == last.status && s.reason == last.reason && s.attempt == last.attempt &&
        s.pending == last.pending && s.flushing == last.flushing && s.last_error_code == last.last_error_code &&
        s.last_error_message == last.last_error_message) {
      return;
    }
    first = false;
    last = s;
    out.line(sync_json(s, "status"));
  });
  device->scans().subscribe([&](const sd::ScanList& l) { out.line({{"type", "scans"}, {"count", l.count}}); });

  // --network auto: offline the moment the last default route goes, online
  // (backoff reset, outbox flushed, catch-up) the moment one comes back, as
  // a phone's platform monitor would tell the app.
  std::unique_ptr<sd::LinuxNetworkMonitor> monitor;
  if (o.network == "auto") {
    auto made = sd::LinuxNetworkMonitor::create();
    if (!made) {
      std::fprintf(stderr, "scansync device: network monitor: %s\n", made.error().message().c_str());
      return 1;
    }
    monitor = std::move(*made);
    monitor->start([&out, &device](bool online) {
      out.line({{"type", "network"}, {"online", online}});
      device->set_online(online);
    });
  }

  // SIGINT/SIGTERM end the read below (EINTR) and are treated as quit.
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!run_command(line, out, *device)) break;
  }
  if (monitor) monitor->stop();  // before the device it drives goes
  device->close();
  out.line({{"type", "bye"}});
  return 0;
}

}  // namespace

void register_device(CLI::App& app) {
  auto o = std::make_shared<DeviceOptions>();
  auto* cmd = app.add_subcommand("device", "Play a phone: a local database kept in sync, commands on stdin");
  cmd->add_option("--url", o->url, "Gateway URL (default: the one kept in the database)");
  cmd->add_option("--token", o->token, "JWT (HS256) of the user")->required();
  cmd->add_option("--db", o->db, "The device's SQLite database (created when missing)")->required();
  cmd->add_option("--user", o->user, "The user whose rows to use (default: the token's sub)");
  cmd->add_option("--backoff-initial-ms", o->backoff_initial_ms, "First reconnect delay; doubles up to 30 s")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--background-grace-ms", o->background_grace_ms,
                  "How long going to the background may take to send the outbox")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--offline", o->start_offline, "Start offline (as after the command 'offline')");
  cmd->add_option("--network", o->network,
                  "manual: only the offline/online commands; auto: also follow the kernel's default routes (netlink)")
      ->check(CLI::IsMember({"manual", "auto"}))
      ->capture_default_str();
  cmd->callback([cmd, o] { set_exit_code(run_device(*cmd, *o)); });
}

}  // namespace scansync::cli
