#pragma once
// GatewayObserver: the one seam through which the gateway's parts report
// what happened (a token refused, a REST call answered, a session closed
// and why, a batch committed and how long it took, …). Two sinks listen:
// the log (gateway_log.h) and the metrics (gateway_metrics.h); the parts
// that report know neither. Sans-I/O: durations are measured by the
// reporter with the clock it was given, and handed in.
//
// Views in the event structs are valid only during the call.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "scansync/gateway/gateway.h"

namespace scansync::gateway {

struct TokenRefused {
  std::string_view via;     // "socket" (Socket.IO CONNECT) | "rest"
  std::string_view code;    // token_missing | token_invalid | token_expired (the wire code)
  std::string_view remote;  // the peer's address
  std::string_view sub;     // the token's claimed subject when it decodes (not verified); else empty
  std::string_view sid;     // the Engine.IO session, for "socket"
};

struct RequestDone {
  std::string_view method;
  std::string_view path;  // without the query string
  int status = 0;
  double duration_ms = 0;
  std::string_view remote;
  std::string_view user;  // empty when the call was not authenticated
};

struct SessionClosed {
  std::string_view sid;
  std::string_view user;       // empty when no Socket.IO CONNECT succeeded
  std::string_view transport;  // "websocket" | "polling" (its transport when it closed)
  std::string_view reason;     // Engine.IO's: "transport close" (the client), "ping timeout", "server shutting down", …
};

struct AckSent {
  std::string_view event;   // room:join | scan:create | scan:delete | sync:since | "other"
  std::string_view result;  // "ok" or the ack's error code
  std::string_view user;
  std::string_view sid;
};

struct BatchCommitted {
  double seconds = 0;        // submit → completion (SQLite: the COMMIT with its fsync; PostgreSQL: the round trip)
  std::size_t requests = 0;  // answers the batch held
  bool failed = false;       // the batch failed as a whole: every answer failed
  std::string_view error;    // then the store's words
};

struct ConnectionRefused {
  std::string_view limit;  // "max_connections" | "pending_handshakes"
  std::string_view remote;
  std::string_view detail;
};

// A context field of a notice: text or a number.
struct NoticeField {
  std::string_view key;
  std::variant<std::string_view, std::int64_t> value;
  NoticeField(std::string_view k, std::string_view v) : key(k), value(v) {}
  NoticeField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  NoticeField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  NoticeField(std::string_view k, std::int64_t v) : key(k), value(v) {}
  NoticeField(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
};

enum class ScanChange { created, deleted };

class GatewayObserver {
 public:
  virtual ~GatewayObserver() = default;
  virtual void token_refused(const TokenRefused&) {}
  virtual void request_done(const RequestDone&) {}
  virtual void session_opened(std::string_view /*sid*/, std::string_view /*transport*/, std::string_view /*remote*/) {}
  virtual void session_closed(const SessionClosed&) {}
  virtual void socket_joined(std::string_view /*user*/, std::string_view /*sid*/) {}
  virtual void ack_sent(const AckSent&) {}
  virtual void scan_changed(ScanChange) {}
  // A broadcast handed `frames` frames to the sockets of a room.
  virtual void events_delivered(std::size_t /*frames*/) {}
  virtual void batch_committed(const BatchCommitted&) {}
  virtual void connection_refused(const ConnectionRefused&) {}
  // Anything else worth a log line (listening, accept paused, a store error, …).
  virtual void notice(LogLevel, std::string_view /*event*/, std::initializer_list<NoticeField> /*fields*/) {}
};

// Hands every report to each of its observers, in the order added.
class ObserverFanout final : public GatewayObserver {
 public:
  void add(GatewayObserver* o) { observers_.push_back(o); }
  void token_refused(const TokenRefused& e) override;
  void request_done(const RequestDone& e) override;
  void session_opened(std::string_view sid, std::string_view transport, std::string_view remote) override;
  void session_closed(const SessionClosed& e) override;
  void socket_joined(std::string_view user, std::string_view sid) override;
  void ack_sent(const AckSent& e) override;
  void scan_changed(ScanChange c) override;
  void events_delivered(std::size_t frames) override;
  void batch_committed(const BatchCommitted& e) override;
  void connection_refused(const ConnectionRefused& e) override;
  void notice(LogLevel level, std::string_view event, std::initializer_list<NoticeField> fields) override;

 private:
  std::vector<GatewayObserver*> observers_;
};

// The `sub` claim of a JWT, read without verifying it (for the log line of a
// refused token: who it claims to be). nullopt when it does not decode.
// At most 256 bytes: longer ones are not a user id of ours.
std::optional<std::string> claimed_subject(std::string_view token);

// "websocket" | "polling"
std::string_view transport_name(bool websocket);

}  // namespace scansync::gateway
