#include "scansync/proto/engine_io.h"

#include <algorithm>

namespace scansync::eio {

std::string encode_text(PacketType type, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 1);
  out.push_back(static_cast<char>('0' + static_cast<int>(type)));
  out.append(data);
  return out;
}

// engine.io-parser also reads "b<base64>" from a text frame, but v4 servers
// send binary over WebSocket as binary frames, so a text frame starting with
// 'b' is refused here (unknown_packet_type); decode_payload() handles it.
Result<PacketView> decode_text(std::string_view frame) {
  if (frame.empty()) return proto::errc::empty_packet;
  const char t = frame[0];
  if (t < '0' || t > '6') return proto::errc::unknown_packet_type;
  PacketView packet;
  packet.type = static_cast<PacketType>(t - '0');
  packet.data = frame.substr(1);
  return packet;
}

PacketView decode_binary(std::string_view frame) { return PacketView{PacketType::message, frame, true}; }

void append_to_payload(std::string& payload, const PacketView& packet) {
  if (!payload.empty()) payload.push_back(kRecordSeparator);
  if (packet.binary) {
    payload.push_back('b');
    payload.append(base64_encode(packet.data));
  } else {
    payload.push_back(static_cast<char>('0' + static_cast<int>(packet.type)));
    payload.append(packet.data);
  }
}

// Unlike engine.io-parser, which returns the packets before the first bad one
// followed by an error packet, a payload is all or nothing: a peer that sends
// one malformed packet is broken and the caller closes the session anyway.
Result<DecodedPayload> decode_payload(std::string_view body) {
  if (body.empty()) return proto::errc::empty_packet;
  DecodedPayload out;
  // Reserve before decoding: the views of binary packets point into
  // `storage`, so it must never reallocate (short strings live inline).
  std::size_t count = 1, binary = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == kRecordSeparator) ++count;
    if (body[i] == 'b' && (i == 0 || body[i - 1] == kRecordSeparator)) ++binary;
  }
  out.packets.reserve(count);
  out.storage.reserve(binary);

  std::size_t start = 0;
  for (;;) {
    const std::size_t sep = body.find(kRecordSeparator, start);
    const std::string_view segment = body.substr(start, sep == std::string_view::npos ? sep : sep - start);
    if (!segment.empty() && segment[0] == 'b') {
      auto bytes = base64_decode(segment.substr(1));
      if (!bytes) return bytes.error();
      out.storage.push_back(std::move(bytes).value());
      out.packets.push_back(PacketView{PacketType::message, out.storage.back(), true});
    } else {
      auto packet = decode_text(segment);
      if (!packet) return packet.error();
      out.packets.push_back(*packet);
    }
    if (sep == std::string_view::npos) break;
    start = sep + 1;
  }
  return out;
}

}  // namespace scansync::eio
