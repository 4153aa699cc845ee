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
// Nothing is logged per WebSocket frame above debug. Sans-I/O: the clock and
// the writer are given.
#include <cstdint>
#include <functional>
#include <string_view>

#include "gateway/gateway_observer.h"
#include "gateway/log_format.h"

namespace scansync::gateway {

class GatewayLog final : public GatewayObserver {
 public:
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
  LogLine line(LogLevel level, std::string_view event) const { return LogLine(now_unix_ms_(), level, event); }
  void emit(LogLine&& line) const;

  LogLevel threshold_;
  std::function<std::int64_t()> now_unix_ms_;
  Write write_;
};

}  // namespace scansync::gateway
