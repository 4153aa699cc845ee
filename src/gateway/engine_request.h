#pragma once
// Checks an HTTP request aimed at the Engine.IO endpoint the way the reference
// server (engine.io lib/server.ts verify() and handshake()) does, and names
// the error it answers with: HTTP 400 (403 for FORBIDDEN) and the JSON body
// {"code":N,"message":"..."}.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/engine_session.h"

namespace scansync::gateway {

// The reference server's error codes and messages.
enum class EngineError {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};
std::string_view message_of(EngineError e);
int http_status_of(EngineError e);
// {"code":N,"message":"..."}
std::string error_body(EngineError e);

// Query string → decoded key/value pairs (the first occurrence of a key wins;
// '+' is a space, %XX is decoded; malformed escapes are kept verbatim).
std::map<std::string, std::string> parse_query(std::string_view query);
std::string percent_decode(std::string_view text);

// Splits a request target "/path?query" into its parts.
struct Target {
  std::string_view path;
  std::string_view query;
};
Target split_target(std::string_view target);

// What the server knows about an existing session, for requests with a sid.
struct SessionFacts {
  TransportKind transport = TransportKind::polling;
};

struct EngineRoute {
  enum Kind { handshake, existing, error } kind = error;
  TransportKind transport = TransportKind::polling;  // requested transport
  std::string sid;                                   // existing: the session
  EngineError code = EngineError::bad_request;       // error: what to answer
};

// `method`: "GET", "POST", …; `websocket_upgrade`: the request asks for a
// WebSocket. `lookup` finds a live session by sid.
template <class Lookup>
EngineRoute route_engine_request(std::string_view method, const std::map<std::string, std::string>& query,
                                 bool websocket_upgrade, Lookup&& lookup) {
  EngineRoute r;
  auto get = [&query](const char* key) -> std::optional<std::string_view> {
    auto it = query.find(key);
    if (it == query.end()) return std::nullopt;
    return std::string_view(it->second);
  };
  auto transport = get("transport");
  if (transport == "polling") {
    r.transport = TransportKind::polling;
  } else if (transport == "websocket") {
    r.transport = TransportKind::websocket;
  } else {
    r.code = EngineError::unknown_transport;
    return r;
  }
  auto sid = get("sid");
  if (sid && !sid->empty()) {
    std::optional<SessionFacts> facts = lookup(*sid);
    if (!facts) {
      r.code = EngineError::unknown_sid;
      return r;
    }
    if (!websocket_upgrade && facts->transport != r.transport) {
      r.code = EngineError::bad_request;  // TRANSPORT_MISMATCH
      return r;
    }
    if (websocket_upgrade && r.transport != TransportKind::websocket) {
      r.code = EngineError::bad_request;
      return r;
    }
    r.kind = EngineRoute::existing;
    r.sid = std::string(*sid);
    return r;
  }
  if (method != "GET") {
    r.code = EngineError::bad_handshake_method;
    return r;
  }
  if (r.transport == TransportKind::websocket && !websocket_upgrade) {
    r.code = EngineError::bad_request;  // TRANSPORT_HANDSHAKE_ERROR
    return r;
  }
  if (r.transport == TransportKind::polling && websocket_upgrade) {
    r.code = EngineError::bad_request;
    return r;
  }
  if (get("EIO") != "4") {
    r.code = EngineError::unsupported_protocol_version;
    return r;
  }
  r.kind = EngineRoute::handshake;
  return r;
}

}  // namespace scansync::gateway
