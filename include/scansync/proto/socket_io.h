#pragma once
// Socket.IO protocol v5 packets (docs/socket.io-protocol/v5-current.md):
//   <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
// Views point into the caller's buffer and must not outlive it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "scansync/proto/errors.h"
#include "scansync/result.h"

namespace scansync::sio {

enum class PacketType : std::uint8_t {
  connect = 0, disconnect = 1, event = 2, ack = 3, connect_error = 4, binary_event = 5, binary_ack = 6
};

// Ack ids are non-negative integers; the reference parser rejects anything
// that does not fit in a JS safe integer, so do we.
constexpr std::uint64_t kMaxAckId = (1ull << 53) - 1;

struct PacketView {
  PacketType type = PacketType::event;
  std::string_view nsp = "/";
  std::optional<std::uint64_t> id;
  std::string_view data;          // raw JSON text, empty when absent; validated by decode()
  std::uint32_t attachments = 0;  // binary packets only
};

std::string encode(const PacketView& packet);
// Decodes and validates a packet: the JSON data must be valid and of the
// shape the type requires (EVENT: non-empty array whose first element is a
// string, ACK: array, CONNECT: object or absent, CONNECT_ERROR: object,
// DISCONNECT: absent).
Result<PacketView> decode(std::string_view text);

}  // namespace scansync::sio
