#include "harness/reference_server.h"

#include <signal.h>

namespace scansync::interop {

std::optional<ReferenceServer> ReferenceServer::start(const ServerOptions& options, std::string* error) {
  std::vector<std::string> argv = {SCANSYNC_NODE, SCANSYNC_REFERENCE_SERVER, "--port", std::to_string(options.port),
                                   "--secret", options.secret};
  if (options.query_only) argv.push_back("--query-only");
  if (options.recovery) argv.push_back("--recovery");
  if (options.no_sync_since) argv.push_back("--no-sync-since");
  if (!options.tls_cert.empty()) argv.insert(argv.end(), {"--tls", options.tls_cert, options.tls_key});
  auto process = ChildProcess::spawn(argv, error);
  if (!process) return std::nullopt;
  ReferenceServer server(std::move(*process));
  // Node needs a moment to load socket.io; 20 s covers a loaded CI machine.
  const auto line = server.process_.read_line(in(std::chrono::seconds(20)));
  if (!line) {
    if (error) *error = "reference server printed no port line";
    return std::nullopt;
  }
  const auto json = nlohmann::json::parse(*line, nullptr, false);
  if (json.is_discarded() || !json.contains("port")) {
    if (error) *error = "unexpected first line: " + *line;
    return std::nullopt;
  }
  server.port_ = json["port"].get<std::uint16_t>();
  return server;
}

std::string ReferenceServer::http_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string ReferenceServer::wss_url(const std::string& host) const {
  return "wss://" + host + ":" + std::to_string(port_);
}

bool ReferenceServer::read_one(Deadline deadline) {
  auto line = process_.read_line(deadline);
  if (!line) return false;
  auto json = nlohmann::json::parse(*line, nullptr, false);
  if (json.is_discarded()) json = nlohmann::json{{"evt", "unparsed"}, {"line", *line}};
  lines_.push_back(std::move(json));
  return true;
}

std::optional<nlohmann::json> ReferenceServer::wait_for(const std::function<bool(const nlohmann::json&)>& match,
                                                        Deadline deadline) {
  std::size_t i = 0;
  for (;;) {
    for (; i < lines_.size(); ++i) {
      if (match(lines_[i])) return lines_[i];
    }
    if (!read_one(deadline)) return std::nullopt;
  }
}

std::optional<nlohmann::json> ReferenceServer::wait_for_evt(const std::string& evt, Deadline deadline) {
  return wait_for([&](const nlohmann::json& j) { return j.value("evt", "") == evt; }, deadline);
}

bool ReferenceServer::control(const nlohmann::json& command, Deadline deadline) {
  if (!process_.write_line(command.dump())) return false;
  // Answers come in command order: take the first "done" not yet claimed.
  const std::string cmd = command.value("cmd", "");
  for (;;) {
    for (; next_control_seen_ < lines_.size(); ++next_control_seen_) {
      const auto& j = lines_[next_control_seen_];
      if (j.value("evt", "") == "done" && j.value("cmd", "") == cmd) {
        ++next_control_seen_;
        return true;
      }
    }
    if (!read_one(deadline)) return false;
  }
}

bool ReferenceServer::emit_to(const std::string& user, const std::string& event, const nlohmann::json& data,
                              Deadline deadline) {
  return control({{"cmd", "emit"}, {"user", user}, {"event", event}, {"data", data}}, deadline);
}

std::optional<nlohmann::json> ReferenceServer::stats(Deadline deadline) {
  const std::size_t from = lines_.size();
  if (!control({{"cmd", "stats"}}, deadline)) return std::nullopt;
  for (std::size_t i = from; i < lines_.size(); ++i) {
    if (lines_[i].value("evt", "") == "stats") return lines_[i];
  }
  return std::nullopt;
}

std::string ReferenceServer::transcript() const {
  std::string all;
  for (const auto& line : lines_) all += line.dump() + "\n";
  return all;
}

void ReferenceServer::kill() {
  process_.signal(SIGKILL);
  process_.wait_exit(in(std::chrono::seconds(10)));
}

}  // namespace scansync::interop
