#pragma once
// Engine.IO protocol v4 packets (docs/engine.io-protocol/v4-current.md).
//
// Views returned by the decoders point into the caller's buffer and must not
// outlive it. Nothing here allocates unless it returns a std::string/vector.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/proto/errors.h"
#include "scansync/result.h"

namespace scansync::eio {

enum class PacketType : std::uint8_t { open = 0, close = 1, ping = 2, pong = 3, message = 4, upgrade = 5, noop = 6 };

struct PacketView {
  PacketType type = PacketType::message;
  std::string_view data;  // text after the type character, or the raw bytes of a binary message
  bool binary = false;    // true only for binary MESSAGE packets
};

// WebSocket transport: one packet per frame.
std::string encode_text(PacketType type, std::string_view data = {});
// Fails with empty_packet, or unknown_packet_type for anything but '0'..'6'
// ("b<base64>" is only accepted inside a polling payload). The data is not
// interpreted; parse_handshake() reads an OPEN packet's.
Result<PacketView> decode_text(std::string_view frame);
// A binary WebSocket frame is a MESSAGE with raw bytes.
PacketView decode_binary(std::string_view frame);

// HTTP long-polling payload: packets joined by the record separator 0x1E;
// binary packets are "b" + base64.
constexpr char kRecordSeparator = '\x1e';
void append_to_payload(std::string& payload, const PacketView& packet);
// Decoded binary packets are returned base64-decoded in `storage`, which the
// returned views reference (the vector reserves so views stay valid). Text
// packets reference `body`. Moving keeps the views valid; copying would not,
// so the type is move-only.
struct DecodedPayload {
  std::vector<PacketView> packets;
  std::vector<std::string> storage;

  DecodedPayload() = default;
  DecodedPayload(DecodedPayload&&) = default;
  DecodedPayload& operator=(DecodedPayload&&) = default;
  DecodedPayload(const DecodedPayload&) = delete;
  DecodedPayload& operator=(const DecodedPayload&) = delete;
};
// All or nothing: an empty body, an empty packet, an unknown type or bad
// base64 anywhere fails the whole payload.
Result<DecodedPayload> decode_payload(std::string_view body);

// The OPEN packet's JSON: {"sid","upgrades","pingInterval","pingTimeout","maxPayload"}.
// sid (non-empty string), upgrades (array of strings), pingInterval and
// pingTimeout (integers fitting 32 bits) are required; maxPayload (integer
// <= 2^53-1) is optional; other keys are ignored. Anything else fails with
// malformed_json.
struct Handshake {
  std::string sid;
  std::vector<std::string> upgrades;
  std::uint32_t ping_interval_ms = 25000;
  std::uint32_t ping_timeout_ms = 20000;
  std::uint64_t max_payload = 1000000;
};
Result<Handshake> parse_handshake(std::string_view open_data);
std::string encode_handshake(const Handshake& h);

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

}  // namespace scansync::eio
