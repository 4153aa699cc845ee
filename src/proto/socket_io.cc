// Socket.IO v5 packet codec following socket.io-parser's decodeString() and
// isPayloadValid(), with these deliberate differences (all stricter):
//  - an empty string is an error (the reference reads it as CONNECT);
//  - the attachment count and the ack id are ASCII digits only (the
//    reference's loose `Number(x) == x` also lets through " 1" or "1e1");
//  - EVENT, ACK and CONNECT_ERROR need a payload (the spec says it is
//    mandatory; the reference decoder lets an absent one through);
//  - an EVENT's first element must be a string: the reference also accepts a
//    number, which no scansync peer sends and the contract never uses;
//  - JSON nesting is limited to json::kDefaultMaxDepth.
#include "scansync/proto/socket_io.h"

#include <cstring>
#include <vector>

#include "json_scan.h"
#include "scansync/proto/json_text.h"

namespace scansync::sio {
namespace {

using json::detail::skip_ws;
using proto::errc;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_binary(PacketType t) { return t == PacketType::binary_event || t == PacketType::binary_ack; }

// Event names the reference parser refuses: they have a meaning of their own
// on one side or the other.
constexpr std::string_view kReservedEvents[] = {"connect",       "connect_error",  "disconnect",
                                                "disconnecting", "newListener",    "removeListener"};

bool is_reserved_event(std::string_view literal) {
  std::string scratch;
  auto name = json::literal_text(literal, scratch);
  if (!name) return true;  // cannot happen: the literal was validated
  for (const auto reserved : kReservedEvents) {
    if (*name == reserved) return true;
  }
  return false;
}

// `data` is the whole JSON value: validates it, and that it is an object
// (or, when `or_string`, a string). Arrays go through check_array().
std::error_code check_object(std::string_view data, bool or_string) {
  const char* const end = data.data() + data.size();
  const char* const p = skip_ws(data.data(), end);
  if (p == end) return errc::malformed_json;
  const bool shape_ok = *p == '{' || (or_string && *p == '"');
  if (!shape_ok) return errc::malformed_json;
  const char* const q = json::detail::skip_value(p, end, json::kDefaultMaxDepth);
  if (q == nullptr || skip_ws(q, end) != end) return errc::malformed_json;
  return {};
}

// Validates an array and collects its elements in the same pass.
std::error_code check_array(std::string_view data, std::vector<std::string_view>& elements) {
  const char* const end = data.data() + data.size();
  const char* const p = skip_ws(data.data(), end);
  if (p == end || *p != '[') return errc::malformed_json;
  const char* const q = json::detail::skip_array_elements(p, end, json::kDefaultMaxDepth, elements);
  if (q == nullptr || skip_ws(q, end) != end) return errc::malformed_json;
  return {};
}

std::error_code check_event_args(std::string_view data, std::vector<std::string_view>& elements) {
  if (auto ec = check_array(data, elements)) return ec;
  // Valid array: its first element must name the event ("[]" has none).
  if (elements.empty() || elements.front().front() != '"') return errc::malformed_json;
  if (is_reserved_event(elements.front())) return errc::malformed_json;
  return {};
}

// `elements` receives the array elements of EVENT and ACK payloads.
std::error_code check_data(PacketType type, std::string_view data, std::vector<std::string_view>& elements) {
  switch (type) {
    case PacketType::connect:
      return data.empty() ? std::error_code{} : check_object(data, /*or_string=*/false);
    case PacketType::disconnect:
      return data.empty() ? std::error_code{} : make_error_code(errc::malformed_packet);
    case PacketType::event:
    case PacketType::binary_event:
      return data.empty() ? make_error_code(errc::malformed_packet) : check_event_args(data, elements);
    case PacketType::ack:
    case PacketType::binary_ack:
      return data.empty() ? make_error_code(errc::malformed_packet) : check_array(data, elements);
    case PacketType::connect_error:
      return data.empty() ? make_error_code(errc::malformed_packet) : check_object(data, /*or_string=*/true);
  }
  return errc::unknown_packet_type;
}

}  // namespace

bool is_valid(const PacketView& packet) {
  if (static_cast<unsigned>(packet.type) > 6) return false;
  if (!packet.nsp.empty() && (packet.nsp[0] != '/' || packet.nsp.find(',') != std::string_view::npos)) return false;
  if (packet.id && *packet.id > kMaxAckId) return false;
  if (is_binary(packet.type) && (packet.attachments < 1 || packet.attachments > kMaxAttachments)) return false;
  std::vector<std::string_view> elements;
  return !check_data(packet.type, packet.data, elements);
}

std::string encode(const PacketView& packet) {
  std::string out;
  out.reserve(packet.nsp.size() + packet.data.size() + 24);
  out.push_back(static_cast<char>('0' + static_cast<int>(packet.type)));
  if (is_binary(packet.type)) {
    out += std::to_string(packet.attachments);
    out.push_back('-');
  }
  if (!packet.nsp.empty() && packet.nsp != "/") {
    out.append(packet.nsp);
    out.push_back(',');
  }
  if (packet.id) out += std::to_string(*packet.id);
  out.append(packet.data);
  return out;
}

Result<PacketView> decode(std::string_view text) {
  std::vector<std::string_view> elements;
  return decode(text, elements);
}

Result<PacketView> decode(std::string_view text, std::vector<std::string_view>& elements) {
  elements.clear();
  if (text.empty()) return errc::empty_packet;
  if (text[0] < '0' || text[0] > '6') return errc::unknown_packet_type;
  PacketView packet;
  packet.type = static_cast<PacketType>(text[0] - '0');
  const std::size_t n = text.size();
  std::size_t i = 1;

  if (is_binary(packet.type)) {
    // "<count>-": saturate past the limit so a long digit run cannot overflow.
    std::uint32_t count = 0;
    const std::size_t digits_begin = i;
    for (; i < n && is_digit(text[i]); ++i) {
      if (count <= kMaxAttachments) count = count * 10 + static_cast<std::uint32_t>(text[i] - '0');
    }
    if (i == digits_begin || i == n || text[i] != '-') return errc::bad_attachments;
    if (count < 1 || count > kMaxAttachments) return errc::bad_attachments;
    packet.attachments = count;
    ++i;
  }

  bool nsp_unterminated = false;
  if (i < n && text[i] == '/') {
    const std::size_t comma = text.find(',', i);
    if (comma == std::string_view::npos) {
      packet.nsp = text.substr(i);
      i = n;
      nsp_unterminated = true;
    } else {
      packet.nsp = text.substr(i, comma - i);
      i = comma + 1;
    }
  }

  if (i < n && is_digit(text[i])) {
    std::uint64_t id = 0;
    for (; i < n && is_digit(text[i]); ++i) {
      id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
      if (id > kMaxAckId) return errc::bad_ack_id;  // checked every digit, so never wraps
    }
    packet.id = id;
  }

  packet.data = text.substr(i);
  if (auto ec = check_data(packet.type, packet.data, elements)) {
    elements.clear();
    // "2/admin" (no comma) swallowed whatever followed the namespace.
    if (nsp_unterminated && packet.data.empty()) return errc::bad_namespace;
    return ec;
  }
  return packet;
}

}  // namespace scansync::sio
