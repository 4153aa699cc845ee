#pragma once
// Shared pieces of the interop tests: fast client options, a client factory,
// and JSON helpers. Deadlines are generous (CI may be loaded); nothing waits
// for longer than it takes the awaited thing to happen.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/client_probe.h"
#include "harness/jwt_mint.h"
#include "harness/reference_server.h"
#include "scansync/client/native_client.h"

namespace scansync::interop {

using namespace std::chrono_literals;
inline constexpr auto kWait = 15s;

// Backoff 50 ms doubling to 1 s: the exact 1, 2, 4 … s schedule is the
// core's unit tests' business (fake clock); here it only has to be quick.
inline client::ClientOptions fast_options() {
  client::ClientOptions o;
  o.backoff.initial = 50ms;
  o.backoff.max = 1s;
  o.ack_timeout = 5s;
  o.connect_timeout = 5s;
  return o;
}

inline client::NativeClientOptions client_options(const std::string& url, const std::string& token) {
  client::NativeClientOptions o;
  o.url = url;
  o.tokens = [token] { return token; };
  o.core = fast_options();
  return o;
}

// A client on its own thread, or a failed assertion.
inline std::unique_ptr<client::NativeClient> make_client(client::NativeClientOptions options) {
  auto made = client::NativeClient::create(std::move(options));
  EXPECT_TRUE(made.ok()) << made.error().message();
  return made.ok() ? std::move(*made) : nullptr;
}

// A client recording into `probe` (its status, and the payloads of `events`)
// and already connecting, or null after a failed assertion.
inline std::unique_ptr<client::NativeClient> start_client(client::NativeClientOptions options, ClientProbe& probe,
                                                          const std::vector<std::string>& events = {}) {
  auto client = make_client(std::move(options));
  if (!client) return nullptr;
  probe.attach(*client, events);
  client->connect();
  return client;
}

inline ReferenceServer start_server(const ServerOptions& options = {}) {
  std::string error;
  auto server = ReferenceServer::start(options, &error);
  if (!server) throw std::runtime_error("reference server: " + error);
  return std::move(*server);
}

inline nlohmann::json scan(const std::string& id, int seq, const std::string& user = "alice") {
  return {{"id", id},          {"userId", user},  {"code", "4006381333931"},
          {"format", "ean13"}, {"deviceId", "d1"}, {"createdAt", "2025-01-02T03:04:05.678Z"},
          {"seq", seq}};
}

inline bool evt_is(const nlohmann::json& line, const std::string& evt) { return line.value("evt", "") == evt; }

}  // namespace scansync::interop
