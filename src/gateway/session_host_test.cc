// SessionHost with an owner of the test's own, not a Gateway: what
// SessionOwner is for. The session must tell its owner when its handshake
// stops counting as pending and when it is finished, report its close, and
// run its timer on the owner's loop (the connect timeout here).
#include "gateway/session_host.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "gateway/conformance_app.h"
#include "gateway/gateway_observer.h"

namespace scansync::gateway {
namespace {

class FakeOwner final : public SessionOwner, public GatewayObserver {
 public:
  boost::asio::io_context io;
  EngineConfig config;
  Millis connect_timeout_value{45000};
  ConformanceApp app;
  std::vector<std::string> handshakes_ended;  // remote addresses
  std::vector<std::string> sessions_ended;    // sids
  std::vector<std::string> closes;            // "sid transport reason"

  boost::asio::io_context& event_loop() override { return io; }
  const EngineConfig& engine_config() const override { return config; }
  Millis connect_timeout() const override { return connect_timeout_value; }
  Application& application() override { return app; }
  GatewayObserver& observer() override { return *this; }
  void handshake_ended(std::string_view remote_address) override {
    handshakes_ended.emplace_back(remote_address);
  }
  void session_ended(const std::string& sid) override { sessions_ended.push_back(sid); }

  void session_closed(const SessionClosed& e) override {
    closes.push_back(std::string(e.sid) + " " + std::string(e.transport) + " " + std::string(e.reason));
  }
};

// Runs what the session left on the loop (its posted pump, the cancelled
// timer): a posted pump holds the session, which holds its owner and so the
// loop. Returns once there is nothing left; 10 s is the deadline.
void drain(FakeOwner& owner) {
  owner.io.restart();
  owner.io.run_for(std::chrono::seconds(10));
}

std::shared_ptr<SessionHost> socket_io_session(const std::shared_ptr<FakeOwner>& owner) {
  auto host = std::make_shared<SessionHost>(owner, "sid-1", TransportKind::polling, 0, HandshakeInfo{},
                                            /*engine_only=*/false, "10.0.0.7");
  host->start();
  return host;
}

TEST(SessionHostOnAnOwner, AShutdownEndsTheHandshakeAndTheSessionWithItsOwner) {
  auto owner = std::make_shared<FakeOwner>();
  auto host = socket_io_session(owner);
  EXPECT_TRUE(owner->handshakes_ended.empty());  // no CONNECT yet: still pending
  host->shutdown("server shutting down");
  EXPECT_TRUE(host->engine().closed());
  EXPECT_EQ(owner->handshakes_ended, std::vector<std::string>{"10.0.0.7"});
  EXPECT_EQ(owner->sessions_ended, std::vector<std::string>{"sid-1"});
  EXPECT_EQ(owner->closes, std::vector<std::string>{"sid-1 polling server shutting down"});
  host->pump();  // a finished session tells its owner once
  EXPECT_EQ(owner->sessions_ended.size(), 1u);
  EXPECT_EQ(owner->handshakes_ended.size(), 1u);
  drain(*owner);
}

TEST(SessionHostOnAnOwner, ItsTimerRunsOnTheOwnersLoop) {
  auto owner = std::make_shared<FakeOwner>();
  owner->connect_timeout_value = Millis(20);
  auto host = socket_io_session(owner);
  // The loop has work until the session closes (its timer), then none:
  // run_for returns early; 10 s is the deadline of a broken timer.
  owner->io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(host->engine().closed());
  EXPECT_EQ(owner->sessions_ended, std::vector<std::string>{"sid-1"});
  EXPECT_EQ(owner->handshakes_ended, std::vector<std::string>{"10.0.0.7"});
  ASSERT_EQ(owner->closes.size(), 1u);
}

TEST(SessionHostOnAnOwner, TheRawEchoNeverCountsAsPending) {
  auto owner = std::make_shared<FakeOwner>();
  auto host = std::make_shared<SessionHost>(owner, "sid-2", TransportKind::polling, 0, HandshakeInfo{},
                                            /*engine_only=*/true, "");
  host->start();
  EXPECT_TRUE(host->engine().admitted());
  host->shutdown("server shutting down");
  EXPECT_TRUE(owner->handshakes_ended.empty());
  EXPECT_EQ(owner->sessions_ended, std::vector<std::string>{"sid-2"});
  drain(*owner);
}

}  // namespace
}  // namespace scansync::gateway
