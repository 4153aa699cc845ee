#include "gateway/gateway_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <vector>

#include "store/store_errors.h"

namespace scansync::gateway {
namespace {

class GatewayLogTest : public ::testing::Test {
 protected:
  GatewayLog at(LogLevel level) {
    return GatewayLog(level, [this] { return now_ms_; }, [this](std::string_view l) { lines_.emplace_back(l); });
  }
  nlohmann::json only_line() {
    EXPECT_EQ(lines_.size(), 1u);
    if (lines_.empty()) return {};
    auto j = nlohmann::json::parse(lines_.back(), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << lines_.back();
    return j;
  }
  std::int64_t now_ms_ = 1'796'181'183'123;
  std::vector<std::string> lines_;
};

TEST_F(GatewayLogTest, ARefusedTokenNamesCodeRemoteAndClaimedSubject) {
  auto log = at(LogLevel::info);
  log.token_refused(TokenRefused{"socket", "token_expired", "10.0.0.7", "alice", "sid1"});
  const auto j = only_line();
  EXPECT_EQ(j["time"], "2026-12-02T03:13:03.123Z");
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["event"], "token_refused");
  EXPECT_EQ(j["via"], "socket");
  EXPECT_EQ(j["code"], "token_expired");
  EXPECT_EQ(j["remote"], "10.0.0.7");
  EXPECT_EQ(j["sub"], "alice");
  EXPECT_EQ(j["sid"], "sid1");
}

TEST_F(GatewayLogTest, AnUnknownSubjectIsLeftOut) {
  auto log = at(LogLevel::info);
  log.token_refused(TokenRefused{"rest", "token_missing", "::1", {}, {}});
  const auto j = only_line();
  EXPECT_FALSE(j.contains("sub"));
  EXPECT_FALSE(j.contains("sid"));
}

TEST_F(GatewayLogTest, ARestCallIsOneAccessLine) {
  auto log = at(LogLevel::info);
  log.request_done(RequestDone{"POST", "/api/scans", 201, 1.25, "127.0.0.1", "alice"});
  const auto j = only_line();
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["event"], "request");
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["path"], "/api/scans");
  EXPECT_EQ(j["status"], 201);
  EXPECT_EQ(j["duration_ms"], 1.25);
  EXPECT_EQ(j["user"], "alice");
}

TEST_F(GatewayLogTest, AClosedSessionSaysWhy) {
  auto log = at(LogLevel::info);
  log.session_closed(SessionClosed{"s1", "bob", "websocket", "ping timeout"});
  const auto j = only_line();
  EXPECT_EQ(j["event"], "session_closed");
  EXPECT_EQ(j["sid"], "s1");
  EXPECT_EQ(j["user"], "bob");
  EXPECT_EQ(j["transport"], "websocket");
  EXPECT_EQ(j["reason"], "ping timeout");
}

TEST_F(GatewayLogTest, InfoWritesNothingPerSocketEvent) {
  auto log = at(LogLevel::info);
  log.session_opened("s1", "websocket", "127.0.0.1");
  log.socket_joined("alice", "s1");
  log.ack_sent(AckSent{"scan:create", "ok", "alice", "s1"});
  log.batch_committed(BatchCommitted{0.001, 3});
  log.events_delivered(10);
  log.scan_changed(ScanChange::created);
  EXPECT_TRUE(lines_.empty());
}

TEST_F(GatewayLogTest, DebugWritesThemToo) {
  auto log = at(LogLevel::debug);
  log.session_opened("s1", "websocket", "127.0.0.1");
  log.socket_joined("alice", "s1");
  log.ack_sent(AckSent{"scan:create", "invalid", "alice", "s1"});
  log.batch_committed(BatchCommitted{0.002, 3});
  ASSERT_EQ(lines_.size(), 4u);
  const auto ack = nlohmann::json::parse(lines_[2]);
  EXPECT_EQ(ack["event"], "ack");
  EXPECT_EQ(ack["socket_event"], "scan:create");
  EXPECT_EQ(ack["result"], "invalid");
  EXPECT_EQ(nlohmann::json::parse(lines_[3])["duration_ms"], 2);
}

TEST_F(GatewayLogTest, AFailedCommitIsAnErrorAtEveryLevel) {
  auto log = at(LogLevel::error);
  log.batch_committed(BatchCommitted{0.01, 2, true, make_error_code(store::errc::disk_full).message()});
  log.token_refused(TokenRefused{"rest", "token_invalid", "::1", {}, {}});  // warn: below the threshold
  const auto j = only_line();
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["event"], "store_commit_failed");
  EXPECT_EQ(j["requests"], 2);
  EXPECT_NE(j["error"].get<std::string>().find("store: "), std::string::npos);
}

TEST_F(GatewayLogTest, AFloodOfRefusalsIsCappedPerSecondAndTheLeftOutAreCounted) {
  auto log = at(LogLevel::info);
  const TokenRefused e{"socket", "token_invalid", "10.0.0.9", {}, "s"};
  for (int i = 0; i < 1000; ++i) log.token_refused(e);
  EXPECT_EQ(lines_.size(), static_cast<std::size_t>(GatewayLog::kRefusalLinesPerSecond));
  EXPECT_FALSE(nlohmann::json::parse(lines_.back()).contains("suppressed"));
  for (int i = 0; i < 5; ++i) log.connection_refused(ConnectionRefused{"pending_handshakes", "10.0.0.9", {}});
  EXPECT_EQ(lines_.size(), GatewayLog::kRefusalLinesPerSecond + 5u) << "each kind has its own budget";
  now_ms_ += 1000;  // the next second
  log.token_refused(e);
  const auto next = nlohmann::json::parse(lines_.back());
  EXPECT_EQ(next["event"], "token_refused");
  EXPECT_EQ(next["suppressed"], 1000 - GatewayLog::kRefusalLinesPerSecond);
  log.token_refused(e);
  EXPECT_FALSE(nlohmann::json::parse(lines_.back()).contains("suppressed")) << "counted once";
}

TEST_F(GatewayLogTest, NoticesCarryTheirFields) {
  auto log = at(LogLevel::warn);
  log.notice(LogLevel::info, "listening", {{"port", 8080}});  // below warn
  log.notice(LogLevel::warn, "accept_paused", {{"error", "Too many open files"}, {"retry_ms", 100}});
  const auto j = only_line();
  EXPECT_EQ(j["event"], "accept_paused");
  EXPECT_EQ(j["error"], "Too many open files");
  EXPECT_EQ(j["retry_ms"], 100);
}

TEST_F(GatewayLogTest, WithoutAWriterNothingIsFormatted) {
  GatewayLog log(LogLevel::debug, [] { return std::int64_t{0}; }, {});
  EXPECT_FALSE(log.enabled(LogLevel::error));
  log.notice(LogLevel::error, "x", {});  // must not call the empty writer
}

TEST(ClaimedSubject, ReadsSubWithoutVerifying) {
  // {"alg":"HS256"}.{"sub":"alice","exp":1}.<any signature>
  EXPECT_EQ(claimed_subject("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MX0.bad"), "alice");
  EXPECT_EQ(claimed_subject(""), std::nullopt);
  EXPECT_EQ(claimed_subject("not-a-jwt"), std::nullopt);
  EXPECT_EQ(claimed_subject("a.!!!.c"), std::nullopt);
  EXPECT_EQ(claimed_subject("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.x"), std::nullopt);  // {"exp":1}: no sub
  EXPECT_EQ(claimed_subject("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.x"), std::nullopt);  // {"sub":1}: not text
}

}  // namespace
}  // namespace scansync::gateway
