// The product application over a real SqliteScanRepository (SQLite in a temp
// dir, completions on an io_context the test polls) and the LocalFanout: JWT
// on CONNECT, the user's room, acks and room-only broadcasts.
#include "gateway/scan_app.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <boost/asio/io_context.hpp>

#include "gateway/sio_client.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"
#include "test_support/temp_dir.h"

namespace scansync::gateway {
namespace {

using namespace std::chrono_literals;

const TimePoint t0{};
constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kSecret = "test-secret";

std::string token(std::string sub, std::int64_t exp = kNow + 3600) {
  auth::Claims c;
  c.sub = std::move(sub);
  c.exp = exp;
  c.iat = kNow;
  return auth::sign_hs256(c, kSecret);
}

class ScanAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::ScanStore::open(dir_ / "scansync.db", store::StoreOptions{});
    ASSERT_TRUE(s.ok()) << s.error().message();
    repository_ = std::make_unique<scans::SqliteScanRepository>(std::move(*s), io_.get_executor());
    app_ = make_app();
  }

  std::unique_ptr<ScanApp> make_app(ScanAppLimits limits = {}, ScanAppHooks hooks = {}) {
    auth::VerifierOptions v;
    v.secret = kSecret;
    return std::make_unique<ScanApp>(*repository_, scans::RequestOptions{}, v, [] { return kNow; }, limits, hooks);
  }

  struct Conn {
    Conn(boost::asio::io_context& io_context, Application& app, HandshakeInfo hs, int n)
        : io(io_context), engine("e" + std::to_string(n), TransportKind::websocket, {}, t0, 1) {
      client = std::make_unique<SioClient>(engine, app, std::move(hs), 45000ms, t0,
                                           [n] { return "sock" + std::to_string(n); });
      engine.set_upper(client.get());
      engine.take_ws_frame(1);
    }
    void in(std::string_view text) { engine.on_ws_frame(1, text, false, t0); }
    std::vector<Frame> frames() {
      io.poll();  // the repository's completions
      io.restart();
      std::vector<Frame> out;
      while (auto f = engine.take_ws_frame(1)) out.push_back(*f);
      return out;
    }
    std::vector<std::string> out() {
      std::vector<std::string> texts;
      for (auto& f : frames()) texts.push_back(*f.bytes);
      return texts;
    }
    boost::asio::io_context& io;
    EngineSession engine;
    std::unique_ptr<SioClient> client;
  };

  Conn& connect(std::string_view connect_packet, HandshakeInfo hs = {}) {
    conns_.push_back(std::make_unique<Conn>(io_, *app_, std::move(hs), static_cast<int>(conns_.size()) + 1));
    conns_.back()->in(connect_packet);
    return *conns_.back();
  }
  Conn& joined(const std::string& user) {
    Conn& c = connect(R"(40{"token":")" + token(user) + R"("})");
    c.in(R"(420["room:join",{}])");
    c.out();
    return c;
  }

  void poll() {
    io_.poll();
    io_.restart();
  }

  // Destroyed in reverse: connections, app, repository (closing the database), then the folder.
  test_support::TempDir dir_{"scan_app_test"};
  boost::asio::io_context io_;
  std::unique_ptr<scans::SqliteScanRepository> repository_;
  std::unique_ptr<ScanApp> app_;
  std::vector<std::unique_ptr<Conn>> conns_;
};

using Texts = std::vector<std::string>;

const char* kScan =
    R"({"id":"0b6d3f2c-5f5e-4c1a-9d3e-2f1a6b7c8d9e","code":"4006381333931","format":"ean13",)"
    R"("deviceId":"pixel-7","createdAt":"2026-11-26T04:46:28.123Z"})";

TEST_F(ScanAppTest, ConnectWithoutTokenIsTokenMissing) {
  Conn& c = connect("40");
  EXPECT_EQ(c.out(), (Texts{R"(44{"message":"unauthorized","data":{"code":"token_missing"}})"}));
  EXPECT_FALSE(c.engine.closed()) << "the client may retry";
}

TEST_F(ScanAppTest, BadAndExpiredTokens) {
  EXPECT_EQ(connect(R"(40{"token":"garbage"})").out(),
            (Texts{R"(44{"message":"unauthorized","data":{"code":"token_invalid"}})"}));
  EXPECT_EQ(connect(R"(40{"token":")" + token("alice", kNow - 10) + R"("})").out(),
            (Texts{R"(44{"message":"unauthorized","data":{"code":"token_expired"}})"}));
  auth::Claims c;
  c.sub = "alice";
  c.exp = kNow + 60;
  EXPECT_EQ(connect(R"(40{"token":")" + auth::sign_hs256(c, "other-secret") + R"("})").out(),
            (Texts{R"(44{"message":"unauthorized","data":{"code":"token_invalid"}})"}));
}

TEST_F(ScanAppTest, TokenFromTheAuthObjectOrTheHandshakeQuery) {
  EXPECT_EQ(connect(R"(40{"token":")" + token("alice") + R"("})").out(), (Texts{R"(40{"sid":"sock1"})"}));
  EXPECT_EQ(connect("40", HandshakeInfo{{{"token", token("bob")}}}).out(), (Texts{R"(40{"sid":"sock2"})"}));
  EXPECT_EQ(connect(R"(40{"token":""})", HandshakeInfo{{{"token", token("bob")}}}).out(),
            (Texts{R"(40{"sid":"sock3"})"}));
  EXPECT_EQ(conns_[1]->client->socket("/")->user, "bob");
}

TEST_F(ScanAppTest, OnlyTheMainNamespaceExists) {
  Conn& c = connect(R"(40/admin,{"token":")" + token("alice") + R"("})");
  EXPECT_EQ(c.out(), (Texts{R"(44/admin,{"message":"Invalid namespace"})"}));
}

TEST_F(ScanAppTest, AJoinIsAckedOnceTheUserIsTracked) {
  int flushes_requested = 0;
  ScanAppHooks hooks;
  hooks.request_flush = [&] { ++flushes_requested; };
  app_ = make_app(ScanAppLimits{}, hooks);
  Conn& c = connect(R"(40{"token":")" + token("alice") + R"("})");
  c.out();
  c.in(R"(421["room:join",{}])");
  EXPECT_EQ(flushes_requested, 1) << "the join asks for the user's latest seq";
  EXPECT_TRUE(c.out().empty()) << "no ack while the node does not track the user";
  app_->flush();
  EXPECT_EQ(c.out(), (Texts{R"(431[{"ok":true,"room":"user:alice"}])"}));
  c.in(R"(422["room:join",{}])");
  EXPECT_EQ(c.out(), (Texts{R"(432[{"ok":true,"room":"user:alice"}])"})) << "tracked: acked at once";
}

TEST_F(ScanAppTest, RoomJoinOwnRoomOnly) {
  Conn& c = connect(R"(40{"token":")" + token("alice") + R"("})");
  c.out();
  c.in(R"(421["room:join",{}])");
  c.in(R"(422["room:join",{"room":"user:alice"}])");
  c.in(R"(423["room:join",{"room":"user:bob"}])");
  c.in(R"(424["room:join","user:bob"])");
  EXPECT_EQ(c.out(), (Texts{R"(431[{"ok":true,"room":"user:alice"}])", R"(432[{"ok":true,"room":"user:alice"}])",
                            R"(433[{"ok":false,"error":"forbidden"}])",
                            R"(434[{"ok":false,"error":"invalid","detail":"room:join takes an object"}])"}));
  EXPECT_EQ(app_->rooms().size("user:alice"), 1u);
  EXPECT_EQ(app_->rooms().size("user:bob"), 0u);
}

TEST_F(ScanAppTest, CreateAcksAndBroadcastsToTheUsersRoomOnly) {
  Conn& a1 = joined("alice");
  Conn& a2 = joined("alice");
  Conn& b = joined("bob");
  Conn& a3 = connect(R"(40{"token":")" + token("alice") + R"("})");  // not joined
  a3.out();

  a1.in(std::string(R"(427["scan:create",)") + kScan + "]");
  auto f1 = a1.frames();
  ASSERT_EQ(f1.size(), 2u);
  EXPECT_EQ(f1[0].bytes->rfind(R"(437[{"ok":true,"scan":{)", 0), 0u) << *f1[0].bytes;
  EXPECT_EQ(f1[1].bytes->rfind(R"(42["scan:created",{"id":"0b6d3f2c)", 0), 0u) << *f1[1].bytes;
  auto f2 = a2.frames();
  ASSERT_EQ(f2.size(), 1u);
  EXPECT_EQ(f2[0].bytes.get(), f1[1].bytes.get()) << "one encoded buffer for every recipient";
  EXPECT_TRUE(b.frames().empty()) << "another user's room hears nothing";
  EXPECT_TRUE(a3.frames().empty()) << "events reach a socket only after it joined";

  a2.in(R"(428["scan:delete",{"id":"0b6d3f2c-5f5e-4c1a-9d3e-2f1a6b7c8d9e"}])");
  auto d2 = a2.out();
  ASSERT_EQ(d2.size(), 2u);
  EXPECT_EQ(d2[0], R"(438[{"ok":true,"seq":2}])");
  EXPECT_EQ(d2[1].rfind(R"(42["scan:deleted",)", 0), 0u);
  EXPECT_EQ(a1.out().size(), 1u);
}

TEST_F(ScanAppTest, OneTurnsChangesShareACommitAndLeaveAfterIt) {
  int flushes_requested = 0;
  ScanAppHooks hooks;
  hooks.request_flush = [&] { ++flushes_requested; };
  app_ = make_app(ScanAppLimits{}, hooks);
  Conn& a1 = joined("alice");
  EXPECT_EQ(flushes_requested, 1) << "the first socket of a user reads its latest seq (the fan-out's start)";
  app_->flush();
  a1.out();  // the join's ack, once the user is tracked
  Conn& a2 = joined("alice");
  EXPECT_EQ(flushes_requested, 1) << "the second one needs nothing";
  const auto batches = repository_->status().batches;

  a1.in(std::string(R"(421["scan:create",)") + kScan + "]");
  a2.in(R"(422["sync:since",{"seq":0}])");
  EXPECT_EQ(flushes_requested, 2) << "one flush per batch, not per call";
  EXPECT_TRUE(a1.frames().empty()) << "no ack before the commit";
  EXPECT_TRUE(a2.frames().empty()) << "nor a broadcast, nor a read that saw the uncommitted change";
  int rest_status = 0;
  app_->handle_rest("alice", "GET", "/api/scans", "", [&](int status, std::string) { rest_status = status; });
  EXPECT_EQ(rest_status, 0);

  app_->flush();
  EXPECT_EQ(repository_->status().batches, batches + 1) << "one batch for the turn";
  auto f1 = a1.out();
  ASSERT_EQ(f1.size(), 2u);
  EXPECT_EQ(f1[0].rfind(R"(431[{"ok":true,"scan":{)", 0), 0u) << f1[0];
  EXPECT_EQ(f1[1].rfind(R"(42["scan:created",)", 0), 0u) << f1[1];
  auto f2 = a2.out();
  ASSERT_EQ(f2.size(), 2u);  // in arrival order: the create's broadcast, then its sync:since ack, which saw it
  EXPECT_EQ(f2[0].rfind(R"(42["scan:created",)", 0), 0u) << f2[0];
  EXPECT_NE(f2[1].find(R"("latestSeq":1)"), std::string::npos) << f2[1];
  EXPECT_EQ(rest_status, 200);

  // A socket that leaves before the flush is not answered, and nothing breaks.
  a1.in(R"(423["sync:since",{"seq":0}])");
  a1.client.reset();  // the connection goes away: its sockets are destroyed
  app_->flush();
  EXPECT_EQ(flushes_requested, 3);
  EXPECT_EQ(a2.out().size(), 0u);

  // Gone after the submit, before the completion: skipped alike.
  Conn& a3 = joined("alice");
  a3.in(R"(424["sync:since",{"seq":0}])");
  app_->flush();
  a3.client.reset();
  poll();
  EXPECT_EQ(a2.out().size(), 0u);
}

TEST_F(ScanAppTest, EventWithoutAckIdIsProcessedWithoutAck) {
  Conn& a = joined("alice");
  a.in(std::string(R"(42["scan:create",)") + kScan + "]");
  auto out = a.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind(R"(42["scan:created")", 0), 0u);
}

TEST_F(ScanAppTest, SyncSinceAndUnknownEvents) {
  Conn& a = joined("alice");
  a.in(R"(425["sync:since",{"seq":0}])");
  a.in(R"(426["nope",{}])");
  a.in(R"(42["nope",{}])");
  EXPECT_EQ(a.out(), (Texts{R"(435[{"ok":true,"changes":[],"latestSeq":0,"epoch":")" + repository_->epoch() +
                                R"(","hasMore":false}])",
                            R"(436[{"ok":false,"error":"unknown_event"}])"}));
}

TEST_F(ScanAppTest, InvalidScanIsAckedInvalid) {
  Conn& a = joined("alice");
  a.in(R"(429["scan:create",{"id":"x"}])");
  auto out = a.out();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind(R"(439[{"ok":false,"error":"invalid")", 0), 0u) << out[0];
}

TEST_F(ScanAppTest, DisconnectedSocketsLeaveTheRoom) {
  Conn& a1 = joined("alice");
  joined("alice");
  EXPECT_EQ(app_->rooms().size("user:alice"), 2u);
  a1.in("41");
  EXPECT_EQ(app_->rooms().size("user:alice"), 1u);
  conns_[1]->engine.on_ws_closed(1);
  EXPECT_EQ(app_->rooms().size("user:alice"), 0u);
}

TEST_F(ScanAppTest, SocketEventsAreRateLimitedPerUser) {
  app_ = make_app(ScanAppLimits{1, 3});
  Conn& alice = joined("alice");  // room:join took one of alice's three tokens
  Conn& alice2 = joined("alice");  // her second socket shares the bucket: one left
  alice.in(R"(421["sync:since",{"seq":0}])");
  EXPECT_EQ(alice.out().at(0).rfind(R"(431[{"ok":true)", 0), 0u);
  alice2.in(R"(422["sync:since",{"seq":0}])");
  EXPECT_EQ(alice2.out(), (Texts{R"(432[{"ok":false,"error":"rate_limited"}])"}));
  alice.in(R"(423["scan:create",)" + std::string(kScan) + "]");
  EXPECT_EQ(alice.out(), (Texts{R"(433[{"ok":false,"error":"rate_limited"}])"}));
  Conn& bob = joined("bob");  // another user has a bucket of his own
  bob.in(R"(424["sync:since",{"seq":0}])");
  EXPECT_EQ(bob.out().at(0).rfind(R"(434[{"ok":true)", 0), 0u);
}

TEST(ScanAppPayload, UnauthorizedPayloadAndTokenOf) {
  EXPECT_EQ(unauthorized_payload(auth::errc::token_expired),
            R"({"message":"unauthorized","data":{"code":"token_expired"}})");
  EXPECT_EQ(token_of(R"({"token":"a"})", {}), "a");
  EXPECT_EQ(token_of(R"({"token":5})", HandshakeInfo{{{"token", "q"}}}), "q");
  EXPECT_EQ(token_of("", {}), "");
}

}  // namespace
}  // namespace scansync::gateway
