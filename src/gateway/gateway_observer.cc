#include "gateway/gateway_observer.h"

#include <nlohmann/json.hpp>

#include "auth/base64url.h"

namespace scansync::gateway {

void ObserverFanout::token_refused(const TokenRefused& e) {
  for (auto* o : observers_) o->token_refused(e);
}
void ObserverFanout::request_done(const RequestDone& e) {
  for (auto* o : observers_) o->request_done(e);
}
void ObserverFanout::session_opened(std::string_view sid, std::string_view transport, std::string_view remote) {
  for (auto* o : observers_) o->session_opened(sid, transport, remote);
}
void ObserverFanout::session_closed(const SessionClosed& e) {
  for (auto* o : observers_) o->session_closed(e);
}
void ObserverFanout::socket_joined(std::string_view user, std::string_view sid) {
  for (auto* o : observers_) o->socket_joined(user, sid);
}
void ObserverFanout::ack_sent(const AckSent& e) {
  for (auto* o : observers_) o->ack_sent(e);
}
void ObserverFanout::scan_changed(ScanChange c) {
  for (auto* o : observers_) o->scan_changed(c);
}
void ObserverFanout::events_delivered(std::size_t frames) {
  for (auto* o : observers_) o->events_delivered(frames);
}
void ObserverFanout::batch_committed(const BatchCommitted& e) {
  for (auto* o : observers_) o->batch_committed(e);
}
void ObserverFanout::connection_refused(const ConnectionRefused& e) {
  for (auto* o : observers_) o->connection_refused(e);
}
void ObserverFanout::notice(LogLevel level, std::string_view event, std::initializer_list<NoticeField> fields) {
  for (auto* o : observers_) o->notice(level, event, fields);
}

std::optional<std::string> claimed_subject(std::string_view token) {
  constexpr std::size_t kMaxSubject = 256;
  const auto first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto payload = auth::base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  auto claims = nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return std::nullopt;
  auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string()) return std::nullopt;
  const auto& text = sub->get_ref<const std::string&>();
  if (text.empty() || text.size() > kMaxSubject) return std::nullopt;
  return text;
}

std::string_view transport_name(bool websocket) { return websocket ? "websocket" : "polling"; }

}  // namespace scansync::gateway
