#include "gateway/gateway_log.h"

namespace scansync::gateway {

void GatewayLog::emit(LogLine&& l) const { write_(std::move(l).finish()); }

bool GatewayLog::take(Budget& b, std::int64_t now_ms) {
  const std::int64_t second = now_ms / 1000;
  if (second != b.second) {
    b.second = second;
    b.written = 0;
  }
  if (b.written >= kRefusalLinesPerSecond) {
    ++b.suppressed;
    return false;
  }
  ++b.written;
  return true;
}

void GatewayLog::add_suppressed(LogLine& l, Budget& b) {
  if (b.suppressed == 0) return;
  l.add("suppressed", b.suppressed);
  b.suppressed = 0;
}

void GatewayLog::token_refused(const TokenRefused& e) {
  if (!enabled(LogLevel::warn)) return;
  const std::int64_t now = now_unix_ms_();
  if (!take(tokens_refused_, now)) return;
  LogLine l(now, LogLevel::warn, "token_refused");
  l.add("via", e.via).add("code", e.code).add_if("remote", e.remote).add_if("sub", e.sub).add_if("sid", e.sid);
  add_suppressed(l, tokens_refused_);
  emit(std::move(l));
}

void GatewayLog::request_done(const RequestDone& e) {
  if (!enabled(LogLevel::info)) return;
  auto l = line(LogLevel::info, "request");
  l.add("method", e.method).add("path", e.path).add("status", e.status).add("duration_ms", e.duration_ms);
  l.add_if("remote", e.remote).add_if("user", e.user);
  emit(std::move(l));
}

void GatewayLog::session_opened(std::string_view sid, std::string_view transport, std::string_view remote) {
  if (!enabled(LogLevel::debug)) return;
  auto l = line(LogLevel::debug, "session_opened");
  l.add("sid", sid).add("transport", transport).add_if("remote", remote);
  emit(std::move(l));
}

void GatewayLog::session_closed(const SessionClosed& e) {
  if (!enabled(LogLevel::info)) return;
  auto l = line(LogLevel::info, "session_closed");
  l.add("sid", e.sid).add_if("user", e.user).add("transport", e.transport).add("reason", e.reason);
  emit(std::move(l));
}

void GatewayLog::socket_joined(std::string_view user, std::string_view sid) {
  if (!enabled(LogLevel::debug)) return;
  auto l = line(LogLevel::debug, "room_joined");
  l.add("user", user).add_if("sid", sid);
  emit(std::move(l));
}

void GatewayLog::ack_sent(const AckSent& e) {
  if (!enabled(LogLevel::debug)) return;
  auto l = line(LogLevel::debug, "ack");
  l.add("socket_event", e.event).add("result", e.result).add_if("user", e.user).add_if("sid", e.sid);
  emit(std::move(l));
}

void GatewayLog::batch_committed(const BatchCommitted& e) {
  const LogLevel level = e.failed ? LogLevel::error : LogLevel::debug;
  if (!enabled(level)) return;
  auto l = line(level, e.failed ? "store_commit_failed" : "batch_committed");
  l.add("duration_ms", e.seconds * 1000).add("requests", static_cast<std::uint64_t>(e.requests));
  if (e.failed) l.add("error", "store: " + std::string(e.error));
  emit(std::move(l));
}

void GatewayLog::connection_refused(const ConnectionRefused& e) {
  if (!enabled(LogLevel::warn)) return;
  const std::int64_t now = now_unix_ms_();
  if (!take(connections_refused_, now)) return;
  LogLine l(now, LogLevel::warn, "connection_refused");
  l.add("limit", e.limit).add_if("remote", e.remote).add_if("detail", e.detail);
  add_suppressed(l, connections_refused_);
  emit(std::move(l));
}

void GatewayLog::notice(LogLevel level, std::string_view event, std::initializer_list<NoticeField> fields) {
  if (!enabled(level)) return;
  auto l = line(level, event);
  for (const auto& f : fields) {
    if (const auto* text = std::get_if<std::string_view>(&f.value)) {
      l.add(f.key, *text);
    } else {
      l.add(f.key, std::get<std::int64_t>(f.value));
    }
  }
  emit(std::move(l));
}

}  // namespace scansync::gateway
