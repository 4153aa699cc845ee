#pragma once
// The Node reference server (interop/reference-server.js) as a test peer:
// started on a loopback port, driven through its stdin control channel,
// observed through the JSON lines it prints.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/child_process.h"

namespace scansync::interop {

struct ServerOptions {
  std::uint16_t port = 0;  // 0: any free port
  bool query_only = false;
  bool recovery = false;
  bool no_sync_since = false;
  std::string tls_cert{}, tls_key{};  // both set: HTTPS
  std::string secret = "interop-secret";
};

class ReferenceServer {
 public:
  // Starts the server and waits for its {"port":N} line.
  static std::optional<ReferenceServer> start(const ServerOptions& options, std::string* error);

  std::uint16_t port() const { return port_; }
  std::string http_url() const;
  std::string wss_url(const std::string& host = "127.0.0.1") const;

  // Sends a control command and waits for its {"evt":"done"} answer.
  bool control(const nlohmann::json& command, Deadline deadline);
  bool emit_to(const std::string& user, const std::string& event, const nlohmann::json& data, Deadline deadline);
  std::optional<nlohmann::json> stats(Deadline deadline);

  // The first line (seen now or later) that matches, or nullopt at the
  // deadline. Lines are kept, so waits may be done in any order.
  std::optional<nlohmann::json> wait_for(const std::function<bool(const nlohmann::json&)>& match, Deadline deadline);
  std::optional<nlohmann::json> wait_for_evt(const std::string& evt, Deadline deadline);
  // Every line seen so far.
  const std::vector<nlohmann::json>& lines() const { return lines_; }
  std::string transcript() const;  // the lines, for failure messages
  // SIGKILL: the listening socket and every connection go at once.
  void kill();

 private:
  explicit ReferenceServer(ChildProcess process) : process_(std::move(process)) {}
  bool read_one(Deadline deadline);

  ChildProcess process_;
  std::uint16_t port_ = 0;
  std::vector<nlohmann::json> lines_;
  std::size_t next_control_seen_ = 0;
};

}  // namespace scansync::interop
