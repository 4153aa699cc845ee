// scansync watch: connects as a user, joins the user's room, catches up with
// sync:since and prints every status change and scan event, one line each
// (JSON lines with --json).
//
// Exit codes: 0 after SIGINT/SIGTERM (clean disconnect), 1 when the server
// ended the session, 2 bad arguments (URL, token, CA file), 3 unauthorized,
// 4 gave up reconnecting.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/usage.h"
#include "scansync/client/native_client.h"
#include "scansync/client/scan_feed.h"

namespace scansync::cli {
namespace {

namespace sc = scansync::client;
using nlohmann::json;

struct WatchOptions {
  std::string url;
  std::string token;
  std::string token_file;
  std::string ca_file;
  bool insecure_skip_verify_dangerous = false;
  bool json_lines = false;
  int max_attempts = 10;
  int backoff_initial_ms = 1000;
  int ack_timeout_ms = 10000;
};

// One line per thing that happened, flushed at once: the output is usually a pipe.
class Printer {
 public:
  explicit Printer(bool json_lines) : json_(json_lines) {}

  void status(const sc::StatusInfo& s, bool recovered) {
    json line = {{"type", "status"}, {"status", std::string(sc::to_string(s.status))}};
    std::string text = "status: " + std::string(sc::to_string(s.status));
    if (s.status == sc::Status::connected) {
      line["recovered"] = recovered;
      if (recovered) text += " (session recovered)";
    } else if (s.status == sc::Status::reconnecting) {
      line["attempt"] = s.attempt;
      line["delayMs"] = s.next_delay.count();
      text += " (attempt " + std::to_string(s.attempt) + " in " + std::to_string(s.next_delay.count()) + " ms)";
    } else if (s.status == sc::Status::disconnected) {
      line["reason"] = std::string(sc::to_string(s.reason));
      text += " (" + std::string(sc::to_string(s.reason)) + ")";
    }
    emit(json_ ? line.dump() : text);
  }

  // `data` is raw JSON text, validated by the core.
  void event(std::string_view name, std::string_view data) {
    if (json_) {
      emit(R"({"type":"event","event":)" + json(std::string(name)).dump() + R"(,"data":)" + std::string(data) + "}");
    } else {
      emit(std::string(name) + " " + std::string(data));
    }
  }

  void error(const std::string& code, const std::string& message) {
    if (json_) {
      emit(json{{"type", "error"}, {"code", code}, {"message", message}}.dump());
    } else {
      emit("error: " + code + ": " + message);
    }
  }

 private:
  static void emit(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  bool json_;
};

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

sc::TokenProvider token_provider(const WatchOptions& o) {
  if (o.token_file.empty()) return [token = o.token] { return token; };
  // Re-read at every (re)connect, so a token refreshed on disk is picked up.
  return [path = o.token_file] {
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "scansync watch: cannot read token file %s\n", path.c_str());
      return std::string();
    }
    std::stringstream text;
    text << in.rdbuf();
    return trim(text.str());
  };
}

int run_watch(const CLI::App& cmd, const WatchOptions& o) {
  if (o.token.empty() == o.token_file.empty()) return usage_error(cmd, "give exactly one of --token and --token-file");
  boost::asio::io_context io;
  sc::NativeClientOptions options;
  options.url = o.url;
  options.tokens = token_provider(o);
  options.core.backoff.max_attempts = o.max_attempts;
  options.core.backoff.initial = sc::Millis(o.backoff_initial_ms);
  options.core.ack_timeout = sc::Millis(o.ack_timeout_ms);
  options.tls.ca_file = o.ca_file;
  options.tls.insecure_skip_verify_dangerous = o.insecure_skip_verify_dangerous;
  if (o.insecure_skip_verify_dangerous) {
    std::fprintf(stderr, "scansync watch: WARNING: TLS certificate verification is OFF\n");
  }
  auto made = sc::NativeClient::create(io, std::move(options));
  if (!made) return usage_error(cmd, o.url + ": " + made.error().message());
  auto client = std::move(*made);

  Printer out(o.json_lines);
  int exit_code = 0;
  bool finishing = false;  // after the decision to exit nothing more is printed

  client->on_status([&](const sc::StatusInfo& s) {
    if (finishing) return;
    out.status(s, client->recovered());
    if (s.status != sc::Status::disconnected) return;
    switch (s.reason) {
      case sc::DisconnectReason::unauthorized: exit_code = 3; break;
      case sc::DisconnectReason::gave_up: exit_code = 4; break;
      case sc::DisconnectReason::server: exit_code = 1; break;
      default: return;  // user (our own disconnect), offline, background: not final here
    }
    finishing = true;
    io.stop();
  });
  client->on("error", [&](const sc::Event& e) {
    // Printed even when finishing: the refusal's error follows its status.
    const json body = e.args.empty() ? json() : json::parse(e.args.front(), nullptr, false);
    out.error(body.is_object() ? body.value("code", "error") : "error",
              body.is_object() ? body.value("message", "") : "");
  });
  // Catch-up after every connect and live events pass through one feed, so
  // each change is printed once, in seq order. It runs on the client's strand.
  sc::ScanFeed feed(
      [&](std::string_view event, std::string args, sc::AckHandler ack) {
        client->emit(std::string(event), std::move(args), std::move(ack));
      },
      [&](const sc::ScanChange& change) {
        if (finishing) return;
        out.event(change.op == sc::ScanChange::Op::created ? "scan:created" : "scan:deleted", change.json);
      });
  feed.on_error([&](std::string_view code, std::string_view message) {
    out.error(std::string(code), std::string(message));
  });
  client->on("connect", [&](const sc::Event&) { feed.catch_up(); });
  for (const char* name : {"scan:created", "scan:deleted"}) {
    client->on(name, [&](const sc::Event& e) {
      if (!finishing && !e.args.empty()) feed.live(e.name, e.args.front());
    });
  }
  client->on_transport_error([&](std::string_view why) {
    if (!finishing) std::fprintf(stderr, "scansync watch: transport: %.*s\n", static_cast<int>(why.size()), why.data());
  });

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    client->disconnect();  // "41" and the close handshake go out below
    finishing = true;
    exit_code = 0;
    io.stop();
  });

  client->connect();
  io.run();

  // Let the goodbye (Socket.IO disconnect, WebSocket close) reach the server.
  signals.cancel();
  io.restart();
  io.run_for(std::chrono::seconds(2));
  client.reset();
  io.restart();
  io.run_for(std::chrono::milliseconds(200));  // the client's shutdown step
  return exit_code;
}

}  // namespace

void register_watch(CLI::App& app) {
  auto o = std::make_shared<WatchOptions>();
  auto* cmd = app.add_subcommand("watch", "Connect as a user and print status changes and scan events");
  cmd->add_option("--url", o->url, "Gateway URL: ws://, wss://, http:// or https://host[:port][/path]")->required();
  auto* token = cmd->add_option("--token", o->token, "JWT (HS256) of the user");
  token->excludes(cmd->add_option("--token-file", o->token_file, "File holding the JWT, re-read at every (re)connect"));
  cmd->add_flag("--json", o->json_lines, "Print JSON lines");
  cmd->add_option("--ca-file", o->ca_file, "PEM file of CA certificates to trust (in addition to the system store)");
  cmd->add_flag("--insecure-skip-verify-dangerous", o->insecure_skip_verify_dangerous,
                "Accept any TLS certificate (tokens can be stolen on the way; local experiments only)");
  cmd->add_option("--max-attempts", o->max_attempts, "Reconnect attempts before giving up")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--backoff-initial-ms", o->backoff_initial_ms, "First reconnect delay; doubles up to 30 s")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--ack-timeout-ms", o->ack_timeout_ms, "How long to wait for an ack (room:join, sync:since)")
      ->check(CLI::PositiveNumber);
  cmd->callback([cmd, o] { set_exit_code(run_watch(*cmd, *o)); });
}

}  // namespace scansync::cli
