#include "gateway/ws_frame.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

namespace scansync::gateway::ws {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_control(std::uint8_t op) { return op >= 8; }
bool known_opcode(std::uint8_t op) { return op <= 2 || (op >= 8 && op <= 10); }

// Close codes a peer may send (RFC 6455 §7.4).
bool valid_close_code(std::uint16_t c) {
  if (c >= 3000 && c <= 4999) return true;
  return c >= 1000 && c <= 1014 && c != 1004 && c != 1005 && c != 1006;
}

Event error(std::uint16_t code) {
  Event e;
  e.kind = Event::Kind::error;
  e.code = code;
  return e;
}

}  // namespace

std::string accept_key(std::string_view client_key) {
  std::string in(client_key);
  in += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

bool valid_client_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22)) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

Header encode_header(Opcode op, std::uint64_t n) {
  Header h;
  h.bytes[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));
  if (n < 126) {
    h.bytes[1] = static_cast<char>(n);
    h.size = 2;
  } else if (n <= 0xFFFF) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<char>(n >> 8);
    h.bytes[3] = static_cast<char>(n);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) h.bytes[2 + i] = static_cast<char>(n >> (56 - 8 * i));
    h.size = 10;
  }
  return h;
}

std::string encode_frame(Opcode op, std::string_view payload) {
  const Header h = encode_header(op, payload.size());
  std::string out;
  out.reserve(h.size + payload.size());
  out.append(h.view());
  out.append(payload);
  return out;
}

std::string encode_close(std::uint16_t code, std::string_view reason) {
  std::string body;
  body.push_back(static_cast<char>(code >> 8));
  body.push_back(static_cast<char>(code));
  body.append(reason.substr(0, 123));
  return encode_frame(Opcode::close, body);
}

Event Parser::next(char* data, std::size_t size) {
  if (failed_) return error(kCloseProtocolError);
  if (reassembled_) {
    partial_ = {};  // release the buffer: an idle connection keeps none
    reassembled_ = false;
  }
  Event e;
  if (size < 2) return e;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  const bool fin = (b0 & 0x80) != 0;
  const std::uint8_t op = b0 & 0x0F;
  auto fail = [this](std::uint16_t code) {
    failed_ = true;
    partial_ = {};
    return error(code);
  };
  // Checked on the first two bytes, before any payload is buffered.
  if ((b0 & 0x70) != 0 || !known_opcode(op)) return fail(kCloseProtocolError);
  if ((b1 & 0x80) == 0) return fail(kCloseProtocolError);  // client frames are masked
  if (is_control(op) && (!fin || (b1 & 0x7F) > 125)) return fail(kCloseProtocolError);
  if (op == 0 && !in_message_) return fail(kCloseProtocolError);
  if ((op == 1 || op == 2) && in_message_) return fail(kCloseProtocolError);

  std::size_t header = 2;
  std::uint64_t len = b1 & 0x7F;
  if (len == 126) {
    header = 4;
  } else if (len == 127) {
    header = 10;
  }
  if (size < header) return e;
  if (len == 126) {
    len = (std::uint64_t{static_cast<std::uint8_t>(data[2])} << 8) | static_cast<std::uint8_t>(data[3]);
  } else if (len == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<std::uint8_t>(data[2 + i]);
    if (len >> 63) return fail(kCloseProtocolError);
  }
  const std::uint64_t message_size = (op == 0 ? partial_.size() : 0) + len;
  if (!is_control(op) && message_size > max_payload_) return fail(kCloseTooBig);
  header += 4;  // masking key
  const std::uint64_t total = header + len;
  if (size < total) {
    e.needed = static_cast<std::size_t>(total);
    return e;
  }
  char* payload = data + header;
  const char* key = data + header - 4;
  for (std::uint64_t i = 0; i < len; ++i) payload[i] = static_cast<char>(payload[i] ^ key[i & 3]);
  std::string_view body(payload, static_cast<std::size_t>(len));
  e.consumed = static_cast<std::size_t>(total);

  switch (op) {
    case 8: {  // close
      if (len == 1) return fail(kCloseProtocolError);
      e.kind = Event::Kind::close;
      e.code = kCloseNoStatus;
      if (len >= 2) {
        e.code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(body[0]) << 8) | static_cast<std::uint8_t>(body[1]));
        if (!valid_close_code(e.code)) return fail(kCloseProtocolError);
        e.payload = body.substr(2);
      }
      return e;
    }
    case 9:
      e.kind = Event::Kind::ping;
      e.payload = body;
      return e;
    case 10:
      e.kind = Event::Kind::pong;
      e.payload = body;
      return e;
    default:
      break;
  }
  if (op != 0) partial_binary_ = (op == 2);
  if (!fin) {
    in_message_ = true;
    partial_.append(body);
    e.kind = Event::Kind::fragment;
    return e;
  }
  e.kind = partial_binary_ ? Event::Kind::binary : Event::Kind::text;
  if (in_message_) {
    partial_.append(body);
    in_message_ = false;
    // Handed out as a view; released on the next call (see below).
    e.payload = partial_;
    reassembled_ = true;
    return e;
  }
  e.payload = body;
  return e;
}

}  // namespace scansync::gateway::ws
