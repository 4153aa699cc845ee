// What ScanApp reports to its GatewayObserver (refused tokens, acks by
// result, changes, deliveries, timed commits), and the /readyz write probe
// joining the turn's batch.
#include <gtest/gtest.h>

#include "gateway/scan_app.h"

#include <boost/asio/io_context.hpp>

#include "gateway/sio_client.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"
#include "test_support/temp_dir.h"

namespace scansync::gateway {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kSecret = "test-secret";
const char* kScan =
    R"({"id":"0b6d3f2c-5f5e-4c1a-9d3e-2f1a6b7c8d9e","code":"4006381333931","format":"ean13",)"
    R"("deviceId":"pixel-7","createdAt":"2026-11-26T04:46:28.123Z"})";

std::string token(std::string sub, std::int64_t exp = kNow + 3600) {
  auth::Claims c;
  c.sub = std::move(sub);
  c.exp = exp;
  c.iat = kNow - 60;
  return auth::sign_hs256(c, kSecret);
}

struct Recorder final : GatewayObserver {
  std::vector<std::string> refused;  // "via code remote sub sid"
  std::vector<std::string> acks;     // "event result user"
  std::vector<std::string> joined;
  std::vector<ScanChange> changes;
  std::size_t delivered = 0;
  std::vector<BatchCommitted> commits;
  void token_refused(const TokenRefused& e) override {
    refused.push_back(std::string(e.via) + " " + std::string(e.code) + " " + std::string(e.remote) + " " +
                      std::string(e.sub) + " " + std::string(e.sid));
  }
  void ack_sent(const AckSent& e) override {
    acks.push_back(std::string(e.event) + " " + std::string(e.result) + " " + std::string(e.user));
  }
  void socket_joined(std::string_view user, std::string_view) override { joined.emplace_back(user); }
  void scan_changed(ScanChange c) override { changes.push_back(c); }
  void events_delivered(std::size_t n) override { delivered += n; }
  void batch_committed(const BatchCommitted& e) override { commits.push_back(e); }
};

class ScanAppObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::ScanStore::open(dir_ / "scansync.db", store::StoreOptions{});
    ASSERT_TRUE(s.ok()) << s.error().message();
    repository_ = std::make_unique<scans::SqliteScanRepository>(std::move(*s), io_.get_executor());
    auth::VerifierOptions v;
    v.secret = kSecret;
    ScanAppHooks hooks;
    hooks.request_flush = [this] { ++flushes_; };
    hooks.observer = &rec_;
    hooks.now = [this] { return clock_ += 3ms; };  // each reading 3 ms later: a commit takes 3 ms
    app_ = std::make_unique<ScanApp>(*repository_, scans::RequestOptions{}, v, [] { return kNow; }, ScanAppLimits{},
                                     std::move(hooks));
  }

  struct Conn {
    Conn(Application& app, HandshakeInfo hs) : engine("sid-1", TransportKind::websocket, {}, TimePoint{}, 1) {
      client = std::make_unique<SioClient>(engine, app, std::move(hs), 45000ms, TimePoint{}, [] { return "sock"; });
      engine.set_upper(client.get());
      engine.take_ws_frame(1);
    }
    void in(std::string_view text) { engine.on_ws_frame(1, text, false, TimePoint{}); }
    EngineSession engine;
    std::unique_ptr<SioClient> client;
  };

  Conn& connect(const std::string& tok) {
    HandshakeInfo hs;
    hs.remote_address = "10.1.2.3";
    conns_.push_back(std::make_unique<Conn>(*app_, std::move(hs)));
    conns_.back()->in(R"(40{"token":")" + tok + R"("})");
    return *conns_.back();
  }

  // Flushes the open batch and runs the repository's completion.
  void commit() {
    app_->flush();
    io_.poll();
    io_.restart();
  }

  Recorder rec_;
  TimePoint clock_{};
  int flushes_ = 0;
  test_support::TempDir dir_{"scan_app_observer_test"};
  boost::asio::io_context io_;
  std::unique_ptr<scans::SqliteScanRepository> repository_;
  std::unique_ptr<ScanApp> app_;
  std::vector<std::unique_ptr<Conn>> conns_;
};

TEST_F(ScanAppObserverTest, ARefusedTokenIsReportedWithThePeerAndTheClaimedSubject) {
  connect(token("alice", kNow - 1));
  connect("");
  ASSERT_EQ(rec_.refused.size(), 2u);
  EXPECT_EQ(rec_.refused[0], "socket token_expired 10.1.2.3 alice sid-1");
  EXPECT_EQ(rec_.refused[1], "socket token_missing 10.1.2.3  sid-1");
}

TEST_F(ScanAppObserverTest, AcksChangesDeliveriesAndTheTimedCommitAreReported) {
  Conn& c = connect(token("alice"));
  c.in(R"(420["room:join",{}])");
  c.in(R"(421["room:join",{"room":"user:bob"}])");
  c.in(std::string(R"(422["scan:create",)") + kScan + "]");
  c.in(R"(423["scan:delete",{"id":"1b6d3f2c-5f5e-4c1a-9d3e-2f1a6b7c8d9e"}])");
  c.in(R"(424["made:up",{}])");
  EXPECT_TRUE(rec_.commits.empty()) << "nothing committed before the flush";
  commit();
  ASSERT_EQ(rec_.commits.size(), 1u);
  EXPECT_EQ(rec_.commits[0].requests, 4u) << "the tracking read, the create, the delete, the refusal held in order";
  EXPECT_FALSE(rec_.commits[0].failed);
  EXPECT_DOUBLE_EQ(rec_.commits[0].seconds, 0.003);
  EXPECT_EQ(rec_.joined, std::vector<std::string>{"alice"});
  // A socket's acks leave in the order its events came: the refusal after the batch's answers.
  EXPECT_EQ(rec_.acks, (std::vector<std::string>{"room:join ok alice", "room:join forbidden alice",
                                                 "scan:create ok alice", "scan:delete not_found alice",
                                                 "other unknown_event alice"}));
  EXPECT_EQ(rec_.changes, std::vector<ScanChange>{ScanChange::created});
  EXPECT_EQ(rec_.delivered, 1u) << "the creating socket is in the room";

  c.in(std::string(R"(425["scan:create",)") + kScan + "]");  // the same id: stored, nothing new
  commit();
  EXPECT_EQ(rec_.changes.size(), 1u);
  EXPECT_EQ(rec_.delivered, 1u);
}

TEST_F(ScanAppObserverTest, TheProbeJoinsTheOpenBatchAndAnswersAfterItsCommit) {
  Conn& c = connect(token("alice"));
  c.in(R"(420["room:join",{}])");
  c.in(std::string(R"(421["scan:create",)") + kScan + "]");
  EXPECT_EQ(flushes_, 1);
  bool answered = false;
  std::optional<scans::RepositoryError> probed;
  const auto probe = [&](std::optional<scans::RepositoryError> e) {
    answered = true;
    probed = std::move(e);
  };
  app_->probe_store(probe);
  EXPECT_EQ(flushes_, 1) << "the batch was open: no second flush";
  app_->flush();
  EXPECT_FALSE(answered) << "answered only once the batch completed";
  io_.poll();
  io_.restart();
  ASSERT_TRUE(answered);
  EXPECT_FALSE(probed) << probed->detail;
  ASSERT_EQ(rec_.commits.size(), 1u);
  EXPECT_EQ(rec_.commits[0].requests, 3u) << "the tracking read, the create and the probe";

  // Alone, the probe opens a batch of its own.
  answered = false;
  app_->probe_store(probe);
  EXPECT_EQ(flushes_, 2);
  commit();
  ASSERT_TRUE(answered);
  EXPECT_FALSE(probed);
  EXPECT_EQ(rec_.commits.size(), 2u);
}

}  // namespace
}  // namespace scansync::gateway
