#pragma once
// A ConnectionHost (and SessionOwner) of the tests' own, and its connections
// served on a loop of their own thread: the adapters tested without a
// Gateway (http_session_test.cc, ws_session_test.cc).
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/accepted_connection.h"
#include "gateway/conformance_app.h"
#include "gateway/cors_policy.h"
#include "gateway/gateway_observer.h"
#include "gateway/loopback_http_test_util.h"
#include "gateway/readiness.h"
#include "gateway/session_host.h"

namespace scansync::gateway::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class RecordingObserver final : public GatewayObserver {
 public:
  void request_done(const RequestDone& e) override { users.emplace_back(e.user); }
  std::vector<std::string> users;  // of each REST call reported
};

// Answers every route with a body naming it; counts what the adapter asks.
// Refuses sessions unless grant_sessions, and then owns them too (with the
// conformance application).
class FakeHost final : public ConnectionHost, public SessionOwner, public std::enable_shared_from_this<FakeHost> {
 public:
  explicit FakeHost(asio::io_context& io) : io_(io) {}

  ConnectionLimits limits_value{1000, Millis(5000), Millis(5000)};
  bool stopping_value = false;
  std::map<std::uint64_t, std::weak_ptr<Closable>> tracked;
  int tracks = 0;
  int untracks = 0;
  int sessions_asked = 0;
  std::string session_remote;  // the remote address of the last create_session
  bool grant_sessions = false;
  std::uint64_t channels = 0;  // WebSocket channels handed out
  std::map<std::string, std::shared_ptr<SessionHost>, std::less<>> sessions;
  std::vector<std::string> api_calls;  // "METHOD target body"
  RecordingObserver observed;
  CorsPolicy cors;

  const ConnectionLimits& limits() const override { return limits_value; }
  bool stopping() const override { return stopping_value; }
  std::uint64_t track(std::weak_ptr<Closable> c) override {
    tracked.emplace(++tracks, std::move(c));
    return static_cast<std::uint64_t>(tracks);
  }
  void untrack(std::uint64_t id) override {
    ++untracks;
    tracked.erase(id);
  }
  GatewayObserver& observer() override { return observed; }
  void tls_handshake_failed(std::string_view, std::string_view) override {}
  Route route_of(std::string_view path) const override { return gateway::route_of(path, false); }
  const CorsPolicy& cors_policy() const override { return cors; }
  std::string health() const override { return R"({"host":"fake"})"; }
  void check_readiness(std::function<void(Readiness)> done) override { done(not_ready("fake", "a test host")); }
  std::string metrics_text() const override { return "fake_metric 1\n"; }
  void handle_api(std::string_view method, std::string_view target, const RestCredentials&, std::string_view body,
                  std::string_view, std::function<void(HttpAnswer)> done) override {
    api_calls.push_back(std::string(method) + " " + std::string(target) + " " + std::string(body));
    done(HttpAnswer{201, "application/json", R"({"from":"fake"})", "alice"});
  }
  const WebRoot* web_page() const override { return nullptr; }
  std::string_view web_page_unavailable() const override { return "a test host serves no page"; }
  std::shared_ptr<SessionHost> find_session(std::string_view sid) override {
    auto it = sessions.find(sid);
    return it == sessions.end() ? nullptr : it->second;
  }
  std::shared_ptr<SessionHost> create_session(TransportKind kind, std::uint64_t ws_channel, HandshakeInfo handshake,
                                              bool engine_only, std::string_view remote_address) override {
    ++sessions_asked;
    session_remote = std::string(remote_address);
    if (!grant_sessions) return nullptr;  // as a gateway at its pending-handshake caps
    const std::string sid = "sid-" + std::to_string(sessions_asked);
    auto host = std::make_shared<SessionHost>(shared_from_this(), sid, kind, ws_channel, std::move(handshake),
                                              engine_only, "");
    host->start();
    sessions.emplace(sid, host);
    return host;
  }
  std::uint64_t next_channel() override { return ++channels; }

  // SessionOwner
  asio::io_context& event_loop() override { return io_; }
  const EngineConfig& engine_config() const override { return engine_config_; }
  Millis connect_timeout() const override { return Millis(5000); }
  Application& application() override { return app_; }
  void handshake_ended(std::string_view) override {}
  void session_ended(const std::string& sid) override { sessions.erase(sid); }

  // Closes every session (each holds its owner: none may be left).
  void shutdown_sessions() {
    std::vector<std::shared_ptr<SessionHost>> open;
    for (auto& [sid, host] : sessions) open.push_back(host);
    for (auto& host : open) host->shutdown("test over");
  }

 private:
  asio::io_context& io_;
  EngineConfig engine_config_;
  ConformanceApp app_;
};

using Answer = LoopbackAnswer;

// The host's connections on a loop of their own thread, one accept per
// request. The host is read only once the loop has ended (its thread).
class ServedHost {
 public:
  explicit ServedHost(std::size_t connections) : host_(std::make_shared<FakeHost>(io_)), acceptor_(io_) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept(connections);
  }
  ~ServedHost() { finish(); }

  FakeHost& host() { return *host_; }  // before start() or after finish()
  void start() {
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(30)); });
  }
  // Ends the loop once its connections and sessions are done (none is kept
  // alive: each request says "Connection: close").
  void finish() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      host_->shutdown_sessions();
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    thread_.join();
    host_->shutdown_sessions();  // the loop may have run out of work first
    io_.restart();
    io_.run_for(std::chrono::seconds(10));  // what the sessions posted (each holds one of them)
  }

  std::uint16_t port() const { return port_; }

  // One request on its own connection (loopback_http_test_util.h).
  Answer exchange(const std::string& method, const std::string& target, const std::string& body = {}) {
    return loopback_exchange(port_, method, target, body);
  }

 private:
  void accept(std::size_t left) {
    if (left == 0) return;
    acceptor_.async_accept([this, left](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;
      serve_http(host_, std::move(socket));
      accept(left - 1);
    });
  }

  asio::io_context io_;
  std::shared_ptr<FakeHost> host_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace scansync::gateway::testing
