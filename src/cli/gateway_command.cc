// scansync gateway: runs the Socket.IO gateway until SIGINT/SIGTERM.
//
//   scansync gateway [--host 127.0.0.1] [--port 8080] [--data DIR]
//                    [--jwt-secret-file FILE] [--iss X] [--aud Y] [--api-key-file FILE]
//                    [--ping-interval MS] [--ping-timeout MS]
//                    [--max-payload BYTES] [--connect-timeout MS] [--conformance]
//                    [--rest-rate R] [--rest-burst B] [--socket-rate R] [--socket-burst B]
//                    [--max-connections N] [--write-timeout MS] [--max-pending-handshakes N]
//                    [--max-pending-per-address N] [--max-scans-per-user N] [--max-token-ttl 30d]
//                    [--durability full|normal] [--cors-origin ORIGIN]... [--web-root DIR]
//                    [--tls-cert FILE --tls-key FILE] [--log-level debug|info|warn|error]
//
// Once listening it prints exactly one JSON line on stdout,
// {"type":"listening","host":"127.0.0.1","port":N} (--port 0 picks a free
// port; tests read the port from this line), ending ,"tls":true with TLS. Logs go to stderr, one JSON
// object per line: {"time":"…Z","level":"…","event":"…",…} (see
// src/gateway/log_format.h). SIGINT/SIGTERM: every socket is disconnected, the database
// closed, exit 0. SIGHUP/SIGUSR1/SIGUSR2 are logged and ignored; SIGPIPE is
// ignored. Exit 1: the database, the secret, the API key file, the TLS files or
// the address failed; 2: bad arguments.
#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "auth/api_key_file.h"
#include "auth/token_ttl.h"
#include "cli/commands.h"
#include "cli/gateway_parts.h"
#include "cli/option_checks.h"
#include "gateway/cors_policy.h"
#include "gateway/tls_context.h"
#include "gateway/log_format.h"
#include "scansync/auth/jwt.h"
#include "scansync/gateway/gateway.h"
#include "store/data_dir_lock.h"

namespace scansync::cli {
namespace {

namespace asio = boost::asio;
using gateway::Gateway;
using gateway::GatewayOptions;

struct GatewayCliOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string data_dir = "./scansync-data";
  std::string store_url;   // --store: empty → SQLite in data_dir
  std::string fanout_url;  // --fanout: empty → this node's rooms only
  std::string secret_file;
  std::string api_key_file;  // empty: no server API key access
  std::string iss;
  std::string aud;
  std::uint32_t ping_interval_ms = 25000;
  std::uint32_t ping_timeout_ms = 20000;
  std::uint64_t max_payload = 1000000;
  std::uint32_t connect_timeout_ms = 45000;
  double rest_rate_per_s = 100;
  double rest_burst = 200;
  double socket_rate_per_s = 100;
  double socket_burst = 500;
  std::size_t max_connections = 0;
  std::uint32_t write_timeout_ms = 0;
  std::size_t max_pending_handshakes = 1024;
  std::size_t max_pending_per_address = 64;
  std::size_t max_scans_per_user = 100000;
  std::string max_token_ttl = "30d";
  std::string durability = "full";
  std::vector<std::string> cors_origins;
  std::string web_root;  // empty: <exe dir>/../share/scansync/web, then the build tree's web/
  std::string tls_cert, tls_key;  // both or neither (CLI11 checks)
  std::string log_level = "info";
  bool conformance = false;
};

// As many descriptors as the hard limit allows: each connection is one.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);  // best effort: the default limits still work
}

// The longest a shutdown waits for closing handshakes before exiting anyway.
constexpr auto kShutdownGrace = std::chrono::seconds(3);

void log_line(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The command's own lines, in the gateway's format (the gateway writes the rest).
gateway::LogLevel g_log_level = gateway::LogLevel::info;

void log_event(gateway::LogLevel level, std::string_view event, std::string_view key = {}, std::int64_t value = 0) {
  if (level < g_log_level) return;
  gateway::LogLine line(now_unix_ms(), level, event);
  if (!key.empty()) line.add(key, value);
  log_line(std::move(line).finish());
}

// A failure before or at start: exits follow.
void log_error(std::string_view what, std::string_view detail) {
  log_line(gateway::LogLine(now_unix_ms(), gateway::LogLevel::error, "start_failed")
               .add("what", what)
               .add("detail", detail)
               .finish());
}

int run_gateway(const GatewayCliOptions& o) {
  // Held until the gateway has stopped: one gateway per data folder.
  std::optional<store::DataDirLock> data_lock;
  // A peer that resets a connection mid-write must cost an error code, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  // glibc returns the top of the heap to the kernel once 128 kB of it is
  // free. A broadcast to 100 sockets allocates and frees ~150 kB of write
  // queues, so every create cost two brk calls and ~40 page faults. Keep
  // up to 8 MB of freed heap instead (an idle connection still holds no
  // buffers; this is free memory kept mapped, not per connection).
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  mallopt(M_TOP_PAD, 1 << 20);
  GatewayOptions g;
  g.host = o.host;
  g.port = o.port;
  g.ping_interval_ms = o.ping_interval_ms;
  g.ping_timeout_ms = o.ping_timeout_ms;
  g.max_payload = o.max_payload;
  g.connect_timeout_ms = o.connect_timeout_ms;
  g.rest_rate_per_s = o.rest_rate_per_s;
  g.rest_burst = o.rest_burst;
  g.socket_rate_per_s = o.socket_rate_per_s;
  g.socket_burst = o.socket_burst;
  g.write_timeout_ms = o.write_timeout_ms;
  g.max_pending_handshakes = o.max_pending_handshakes;
  g.max_pending_per_address = o.max_pending_per_address;
  g.max_scans_per_user = o.max_scans_per_user;
  g.durability = o.durability == "normal" ? GatewayOptions::Durability::normal : GatewayOptions::Durability::full;
  if (o.max_token_ttl == "0") {
    g.max_token_ttl_s = 0;
  } else {
    auto ttl = auth::parse_ttl_seconds(o.max_token_ttl);
    if (!ttl) {
      log_error("max_token_ttl", "not a duration like 30d, 12h, 15m or 0: " + o.max_token_ttl);
      return 2;
    }
    g.max_token_ttl_s = *ttl;
  }
  for (const auto& origin : o.cors_origins) {
    if (origin == "*") continue;
    if (auto c = gateway::canonical_origin(origin); !c) {
      log_error("cors_origin", "\"" + origin + "\": " + c.error().message());
      return 2;
    }
  }
  g.cors_origins = o.cors_origins;
  if (!o.web_root.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.web_root, ec)) {
      log_error("web_root", o.web_root + ": not a folder");
      return 2;
    }
    g.web_root = o.web_root;
  }
  if (!o.tls_cert.empty()) {
    // Here, for a message naming the file; start() loads them again.
    std::string why;
    if (auto tls = gateway::TlsContext::load(o.tls_cert, o.tls_key, &why); !tls) {
      log_error("tls", why);
      return 1;
    }
    g.tls_cert_file = o.tls_cert;
    g.tls_key_file = o.tls_key;
  }
  raise_descriptor_limit();
  g.max_connections = o.max_connections;  // 0: sized from the (raised) limit
  g.conformance = o.conformance;
  g.log = log_line;
  g.log_level = gateway::parse_log_level(o.log_level).value_or(gateway::LogLevel::info);  // checked by the flag
  g_log_level = g.log_level;
  if (o.conformance) {
    // The values the protocol test suites expect of the reference servers.
    g.ping_interval_ms = 300;
    g.ping_timeout_ms = 200;
    g.max_payload = 1000000;
    g.connect_timeout_ms = 1000;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(o.data_dir, ec);
    if (ec) {
      log_error("data_dir", o.data_dir + ": " + ec.message());
      return 1;
    }
    auto lock = store::DataDirLock::acquire(o.data_dir);
    if (!lock) {
      if (lock.error() == std::errc::device_or_resource_busy) {
        const auto pid = store::DataDirLock::holder(o.data_dir);
        log_error("data_dir", o.data_dir + " is in use by another scansync gateway" +
                                  (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
                                  ": stop it first, or give this one another --data folder");
      } else {
        log_error("data_dir", o.data_dir + "/gateway.lock: " + lock.error().message());
      }
      return 1;
    }
    data_lock.emplace(std::move(*lock));
    g.data_dir = o.data_dir;
    auto secret = o.secret_file.empty() ? auth::load_or_create_dev_secret(o.data_dir)
                                        : auth::load_secret_file(o.secret_file);
    if (!secret) {
      log_error("jwt_secret", o.secret_file.empty() ? o.data_dir + "/jwt-secret" : o.secret_file);
      return 1;
    }
    g.jwt_secret = *secret;
    if (!o.api_key_file.empty()) {
      auto keys = auth::load_api_key_file(o.api_key_file, g.jwt_secret);
      if (keys.error) {
        log_error("api_key_file", o.api_key_file + ": " + keys.error.message() + " (" + keys.detail + ")");
        return 1;
      }
      g.api_keys = std::move(keys.keys);
    }
    if (!o.iss.empty()) g.issuer = o.iss;
    if (!o.aud.empty()) g.audience = o.aud;
  }

  asio::io_context io(1);
  if (!o.conformance) {
    if (auto wrong = compose_parts(io, o.store_url, o.fanout_url, g); !wrong.empty()) {
      log_error("parts", wrong);
      return 1;
    }
  }
  // Moved: the parts compose_parts made (a PostgreSQL repository with its
  // timers, the fan-out factory) must go with the gateway, before the
  // io_context they run on; a copy left in `g` outlived it (a timer
  // cancelled on a destroyed service at every SIGTERM).
  auto gw = Gateway::start(io, std::move(g));
  if (!gw) {
    // The error is the OS's or the store's; name what it is about.
    const std::string port = o.port == 0 ? std::string("a free port") : std::to_string(o.port);
    log_error("start", gw.error().message() + " (listening on " + o.host + ":" + port +
                           (o.data_dir.empty() ? std::string() : ", data folder " + o.data_dir) + ")");
    return 1;
  }
  Gateway& gateway = **gw;

  // Signals an operator or a supervisor may send by habit (reload, log
  // rotation) must not kill the gateway without a graceful close.
  asio::signal_set harmless(io, SIGHUP, SIGUSR1, SIGUSR2);
  std::function<void()> wait_harmless = [&] {
    harmless.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      log_event(gateway::LogLevel::info, "signal_ignored", "signal", signo);
      wait_harmless();
    });
  };
  wait_harmless();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer drain_check(io);
  const auto started_stop = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> wait_drained = [&] {
    if (gateway.drained() || std::chrono::steady_clock::now() - *started_stop > kShutdownGrace) {
      io.stop();
      return;
    }
    drain_check.expires_after(std::chrono::milliseconds(20));
    drain_check.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) wait_drained();
    });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log_event(gateway::LogLevel::info, "signal", "signal", signo);
    harmless.cancel();
    gateway.stop("server shutting down");
    *started_stop = std::chrono::steady_clock::now();
    wait_drained();
  });
  // Only now: a supervisor that signals the moment it reads this line must
  // find the handlers installed (a SIGTERM before them killed the process).
  // Key order matters to readers that match the line: ordered_json keeps it.
  nlohmann::ordered_json listening{{"type", "listening"}, {"host", o.host}, {"port", gateway.port()}};
  if (!o.tls_cert.empty()) listening["tls"] = true;
  std::cout << listening.dump() << std::endl;
  io.run();
  gw->reset();  // closes what is left before the io_context goes
  log_event(gateway::LogLevel::info, "stopped");
  return 0;
}

}  // namespace

void register_gateway(CLI::App& app) {
  auto o = std::make_shared<GatewayCliOptions>();
  auto* cmd = app.add_subcommand("gateway", "Run the Socket.IO gateway (WebSocket, long-polling, REST)");
  cmd->add_option("--host", o->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o->port, "TCP port (0: pick a free one)")->capture_default_str();
  cmd->add_option("--data", o->data_dir, "Data directory (scansync.db, jwt-secret)")->capture_default_str();
  cmd->add_option("--store", o->store_url,
                  "Scan store: postgresql://user:pw@host:port/db shared by several nodes (default: SQLite in --data)");
  cmd->add_option("--fanout", o->fanout_url,
                  "Fan-out between nodes: redis://[user:password@]host:port (default: this node only)");
  cmd->add_option("--jwt-secret-file", o->secret_file, "HS256 secret file (default: DATA/jwt-secret, created)");
  cmd->add_option("--api-key-file", o->api_key_file,
                  "Server API keys, one per line, mode 0600 (scansync api-key new): a backend presenting one may use "
                  "REST for the user named by its Scansync-User header (default: no API key access)");
  cmd->add_option("--iss", o->iss, "Required JWT issuer");
  cmd->add_option("--aud", o->aud, "Required JWT audience");
  cmd->add_option("--ping-interval", o->ping_interval_ms, "Engine.IO pingInterval (ms)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600000u));
  cmd->add_option("--ping-timeout", o->ping_timeout_ms, "Engine.IO pingTimeout (ms)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600000u));
  cmd->add_option("--max-payload", o->max_payload, "Largest message / polling body (bytes)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 30));
  cmd->add_option("--rest-rate", o->rest_rate_per_s, "REST requests per second per user, on average (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--rest-burst", o->rest_burst, "REST requests a user may make in one burst")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--connect-timeout", o->connect_timeout_ms, "Close connections without a Socket.IO CONNECT (ms)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600000u));
  cmd->add_option("--socket-rate", o->socket_rate_per_s,
                  "Socket events per second per user, on average (0: no limit); past it: rate_limited")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--socket-burst", o->socket_burst, "Socket events a user may send in one burst")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--max-connections", o->max_connections,
                  "Open connections; beyond, new ones get 503 (default: the open-file limit less 64)");
  cmd->add_option("--write-timeout", o->write_timeout_ms,
                  "Close a connection whose output has not drained within this (ms; default: --ping-timeout)")
      ->check(CLI::Range(0u, 3600000u));
  cmd->add_option("--max-pending-handshakes", o->max_pending_handshakes,
                  "Sessions without a Socket.IO CONNECT yet, in all (0: no cap); beyond, 503")
      ->capture_default_str();
  cmd->add_option("--max-pending-per-address", o->max_pending_per_address,
                  "Sessions without a Socket.IO CONNECT yet, per remote address (0: no cap)")
      ->capture_default_str();
  cmd->add_option("--max-scans-per-user", o->max_scans_per_user,
                  "Live scans a user may hold (0: no quota); beyond: quota_exceeded")
      ->capture_default_str();
  cmd->add_option("--max-token-ttl", o->max_token_ttl,
                  "Refuse tokens that live longer than this (exp - iat or exp - now; 30s, 15m, 12h, 30d; 0: no cap)")
      ->check(duration_check(/*zero_means_no_cap=*/true))
      ->capture_default_str();
  cmd->add_option("--durability", o->durability,
                  "full: sync the WAL before acking (survives power loss); normal: survives a killed process")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  cmd->add_option("--cors-origin", o->cors_origins,
                  "A browser origin (scheme://host[:port]) allowed to use the gateway from another site: CORS on "
                  "polling and REST, the WebSocket Origin check; repeatable; * allows any origin without credentials "
                  "(default: none)")
      ->expected(1)
      ->take_all()
      ->check(origin_check());
  cmd->add_option("--web-root", o->web_root,
                  "Folder whose files are served at / (default: <exe dir>/../share/scansync/web, "
                  "then the build tree's web/)")
      ->check(folder_check());
  auto* tls_cert = cmd->add_option("--tls-cert", o->tls_cert,
                                   "Serve HTTPS and WSS: PEM certificate, then any intermediates (needs --tls-key)")
                       ->type_name("FILE");
  auto* tls_key = cmd->add_option("--tls-key", o->tls_key, "PEM private key of --tls-cert (no passphrase)")
                      ->type_name("FILE");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);
  cmd->add_option("--log-level", o->log_level,
                  "Least severe log lines written to stderr (JSON, one per line): debug (also one per socket event), "
                  "info (one per REST call and per closed session), warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  cmd->add_flag("--conformance", o->conformance,
                "Behave like the reference servers of the protocol test suites (no JWT, no database)");
  cmd->callback([o] { set_exit_code(run_gateway(*o)); });
}

}  // namespace scansync::cli
