#pragma once
// The authentication side of a Socket.IO connection attempt, as pure
// functions: the handshake query, the CONNECT auth object, and what a
// CONNECT ack or CONNECT_ERROR says (docs/contract.md "Authentication").
#include <optional>
#include <string>
#include <string_view>

namespace scansync::client {

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

// "EIO=4&transport=websocket", plus "&token=<urlencoded>" when the token
// goes in the query (the fallback for servers that read only the query).
std::string handshake_query(std::string_view token, bool token_in_query);

// The CONNECT auth object: {"token":...} (omitted for an empty token), plus
// "pid" and "offset" when resuming a session (connection state recovery).
// `offset` is the raw JSON string literal last received.
std::string auth_object(std::string_view token, const std::optional<std::string>& pid,
                        const std::optional<std::string>& offset);

// CONNECT ack data {"sid":..., "pid":...}.
struct ConnectAccepted {
  std::string sid;
  std::optional<std::string> pid;  // present when the server does connection state recovery
};
std::optional<ConnectAccepted> parse_connect_ack(std::string_view data);

// CONNECT_ERROR data {"message":..., "data":{"code":...}}.
enum class Refusal { token_expired, token_invalid, token_missing, unauthorized, other };
struct ConnectRefused {
  Refusal kind = Refusal::other;
  std::string code;     // data.code, or "unauthorized"/"connect_error" when absent
  std::string message;  // the server's message ("" when absent)
};
ConnectRefused parse_connect_error(std::string_view data);

}  // namespace scansync::client
