#pragma once
// The log sink of the gateway's observer: each report becomes one JSON line
// (log_format.h) when its level is enabled. What is logged at which level:
//
//   debug  session_opened, room_joined, ack (one per socket event answered),
//          batch_committed (one per group commit)
//   info   request (one per REST call: method, path without the query,
//          status, duration_ms, remote, user), session_closed (sid, user,
//          transport, reason), and the notices given at info (listening, …)
//   warn   token_refused (via, code, remote, sub when the token decodes;
//          never the token), connection_refused (limit, remote)
//   error  store_commit_failed, and the notices given at error
//
// Nothing is logged per WebSocket frame above debug. Refusals are a peer's
// doing, so a flood of them (one connection can send 150,000 bad CONNECTs in
// a burst) must not become a flood of lines: token_refused and
// connection_refused are written at most kRefusalLinesPerSecond a second
// each; the next line written says how many were left out ("suppressed").
// The metrics count every one. Sans-I/O: the clock and the writer are given.
#include <cstdint>
#include <functional>
#include <string_view>

#include "gateway/gateway_observer.h"
#include "gateway/log_format.h"

namespace scansync::gateway {

class GatewayLog final : public GatewayObserver {
 public:
  static constexpr int kRefusalLinesPerSecond = 20;

  using Write = std::function<void(std::string_view line)>;
  GatewayLog(LogLevel threshold, std::function<std::int64_t()> now_unix_ms, Write write)
      : threshold_(threshold), now_unix_ms_(std::move(now_unix_ms)), write_(std::move(write)) {}

  bool enabled(LogLevel level) const { return write_ && level >= threshold_; }

  void token_refused(const TokenRefused& e) override;
  void request_done(const RequestDone& e) override;
  void session_opened(std::string_view sid, std::string_view transport, std::string_view remote) override;
  void session_closed(const SessionClosed& e) override;
  void socket_joined(std::string_view user, std::string_view sid) override;
  void ack_sent(const AckSent& e) override;
  void batch_committed(const BatchCommitted& e) override;
  void connection_refused(const ConnectionRefused& e) override;
  void notice(LogLevel level, std::string_view event, std::initializer_list<NoticeField> fields) override;

 private:
  // One second's budget of lines of one kind.
  struct Budget {
    std::int64_t second = -1;
    int written = 0;
    std::uint64_t suppressed = 0;  // left out since the last line written
  };
  LogLine line(LogLevel level, std::string_view event) const { return LogLine(now_unix_ms_(), level, event); }
  void emit(LogLine&& line) const;
  // False when this second's budget is spent (the line is counted as left out).
  bool take(Budget& b, std::int64_t now_ms);
  void add_suppressed(LogLine& l, Budget& b);

  LogLevel threshold_;
  std::function<std::int64_t()> now_unix_ms_;
  Write write_;
  Budget tokens_refused_;
  Budget connections_refused_;
};

}  // namespace scansync::gateway
