#include "connect_auth.h"

#include "json_object.h"
#include "scansync/proto/json_text.h"

namespace scansync::client {

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

std::string handshake_query(std::string_view token, bool token_in_query) {
  std::string q = "EIO=4&transport=websocket";
  if (token_in_query && !token.empty()) {
    q += "&token=";
    q += url_encode(token);
  }
  return q;
}

std::string auth_object(std::string_view token, const std::optional<std::string>& pid,
                        const std::optional<std::string>& offset) {
  std::string out = "{";
  auto member = [&out](std::string_view key, std::string_view json_value) {
    if (out.size() > 1) out += ',';
    out += json::quote(key);
    out += ':';
    out += json_value;
  };
  if (!token.empty()) member("token", json::quote(token));
  if (pid) {
    member("pid", json::quote(*pid));
    // socket.io-client sends the offset only once one was received.
    if (offset && json_object::is_string_literal(*offset)) member("offset", *offset);
  }
  out += '}';
  return out;
}

std::optional<ConnectAccepted> parse_connect_ack(std::string_view data) {
  auto sid = json_object::find_string(data, "sid");
  // socket.io-client treats a CONNECT without sid as a protocol mismatch.
  if (!sid || sid->empty()) return std::nullopt;
  ConnectAccepted ok;
  ok.sid = std::move(*sid);
  ok.pid = json_object::find_string(data, "pid");
  return ok;
}

ConnectRefused parse_connect_error(std::string_view data) {
  ConnectRefused r;
  r.message = json_object::find_string(data, "message").value_or("");
  std::optional<std::string> code;
  if (auto details = json_object::find(data, "data")) code = json_object::find_string(*details, "code");
  if (code == "token_expired") {
    r.kind = Refusal::token_expired;
  } else if (code == "token_invalid") {
    r.kind = Refusal::token_invalid;
  } else if (code == "token_missing") {
    r.kind = Refusal::token_missing;
  } else if (r.message == "unauthorized") {
    r.kind = Refusal::unauthorized;
  } else {
    r.kind = Refusal::other;
  }
  if (code) {
    r.code = std::move(*code);
  } else {
    r.code = r.kind == Refusal::unauthorized ? "unauthorized" : "connect_error";
  }
  return r;
}

}  // namespace scansync::client
