#pragma once
// RFC 6455 WebSocket framing, sans-I/O: the opening handshake's accept key,
// server→client frame headers (unmasked, never fragmented), and a parser of
// client→server frames (masked) that reassembles fragmented messages.
//
// The gateway owns the framing (instead of beast::websocket::stream) so that
// every byte of a connection leaves through one ordered queue: data frames,
// pongs and the close frame can then be gathered into one writev.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace scansync::gateway::ws {

enum class Opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes the gateway sends (RFC 6455 §7.4.1).
inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseTooBig = 1009;
// What a close frame without a code reports (never sent, §7.4.1).
inline constexpr std::uint16_t kCloseNoStatus = 1005;

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)).
std::string accept_key(std::string_view client_key);
// A Sec-WebSocket-Key must be the base64 of 16 bytes (24 characters).
bool valid_client_key(std::string_view client_key);

// The header of one unmasked FIN frame carrying `payload_size` bytes.
struct Header {
  std::array<char, 10> bytes{};
  std::uint8_t size = 0;
  std::string_view view() const { return {bytes.data(), size}; }
};
Header encode_header(Opcode op, std::uint64_t payload_size);
// A whole frame (header + payload); control payloads must be <= 125 bytes.
std::string encode_frame(Opcode op, std::string_view payload);
// A close frame: code, then the reason cut to fit a control frame.
std::string encode_close(std::uint16_t code, std::string_view reason);

// What the parser found at the start of the unread input.
struct Event {
  enum class Kind {
    need_more,  // no complete frame yet; `needed` is the frame's total size when known
    fragment,   // a non-final data fragment was consumed; nothing to deliver
    text,
    binary,
    close,  // `code` (1005 when the frame has none), `payload` = reason
    ping,
    pong,
    error,  // protocol violation: close the connection with `code`
  };
  Kind kind = Kind::need_more;
  std::string_view payload;  // valid until the next call or until the input changes
  std::uint16_t code = 0;
  std::size_t consumed = 0;  // bytes of input to drop
  std::size_t needed = 0;
};

class Parser {
 public:
  explicit Parser(std::uint64_t max_payload) : max_payload_(max_payload) {}

  // Parses at most one frame from the start of [data, data+size). Unmasks
  // the frame's payload in place. After an error the parser stays failed.
  Event next(char* data, std::size_t size);
  // The limit may change between frames (it grows once the peer is admitted);
  // it applies to each frame header parsed after the change.
  void set_max_payload(std::uint64_t max_payload) { max_payload_ = max_payload; }
  // A fragmented message is being reassembled.
  bool in_message() const { return in_message_; }

 private:
  std::uint64_t max_payload_;
  std::string partial_;  // fragments of the message in progress
  bool in_message_ = false;
  bool partial_binary_ = false;
  bool reassembled_ = false;  // partial_ was handed out: drop it on the next call
  bool failed_ = false;
};

}  // namespace scansync::gateway::ws
