#pragma once
// Socket.IO protocol v5 packets (docs/socket.io-protocol/v5-current.md):
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
// Views point into the caller's buffer and must not outlive it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/proto/errors.h"
#include "scansync/result.h"

namespace scansync::sio {

enum class PacketType : std::uint8_t {
  connect = 0, disconnect = 1, event = 2, ack = 3, connect_error = 4, binary_event = 5, binary_ack = 6
};

// Ack ids are non-negative integers; the reference parser rejects anything
// that does not fit in a JS safe integer, so do we.
constexpr std::uint64_t kMaxAckId = (1ull << 53) - 1;
// The reference decoder's default `maxAttachments`.
constexpr std::uint32_t kMaxAttachments = 10;

struct PacketView {
  PacketType type = PacketType::event;
  std::string_view nsp = "/";
  std::optional<std::uint64_t> id;
  std::string_view data;          // raw JSON text, empty when absent; validated by decode()
  std::uint32_t attachments = 0;  // binary packets only
};

// Precondition: is_valid(packet). A namespace other than "/" is written with
// its terminating ','; an empty one means "/".
std::string encode(const PacketView& packet);
// What decode() would accept back: namespace empty or "/..." without ',',
// id <= kMaxAckId, 1..kMaxAttachments attachments on binary types, and data
// of the shape the type requires (see decode()).
bool is_valid(const PacketView& packet);
// Decodes and validates a packet: the JSON data must be valid and of the
// shape the type requires (EVENT: non-empty array whose first element is a
// string, not a reserved name such as "connect"; ACK: array; CONNECT: object
// or absent; CONNECT_ERROR: object or string; DISCONNECT: absent). Binary
// types carry 1..kMaxAttachments attachments, which follow as separate
// frames; reassembling them is the caller's business.
// Errors: empty_packet, unknown_packet_type, bad_attachments, bad_ack_id
// (above kMaxAckId), bad_namespace (a namespace without ',' where data must
// follow), malformed_packet (payload absent where required, or present on
// DISCONNECT), malformed_json (invalid JSON or wrong shape).
Result<PacketView> decode(std::string_view text);
// The same, and for EVENT and ACK packets (binary ones included) the raw
// text of the data array's elements, whitespace trimmed, as
// json::split_array() would return them: found in the one validation pass.
// `elements` is cleared first (and left empty on failure or for other
// types); its capacity is reused, so a caller decoding many packets with
// one vector does not allocate per packet. The views point into `text`.
Result<PacketView> decode(std::string_view text, std::vector<std::string_view>& elements);

}  // namespace scansync::sio
