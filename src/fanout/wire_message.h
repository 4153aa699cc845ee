#pragma once
// What travels on Redis between nodes (sans-I/O): the channel of a user and
// the message, a one-line text header followed by the frame's bytes as the
// publisher encoded them:
//
//   "ssf1 <seq> <kind> <origin-len>:<origin> <epoch-len>:<epoch>\n<frame>"
//
//   seq    decimal, 1 … 2^63-1, no sign, no leading zero
//   kind   't' text frame, 'b' binary frame, 'h' hint (no frame: "seq
//          exists, fetch it from the store")
//   origin the publishing node's id, epoch the store's epoch ("" unknown);
//          each at most 255 bytes, length-prefixed so any byte may occur
//
// Anyone with access to the Redis can PUBLISH on our channels: decode() is
// strict and bounded, and a bad message is an error value, never a crash.
//
// Channels: <prefix>u:<escaped user>. The user id (a JWT `sub`, any bytes)
// is escaped so that the channel is printable and free of glob characters
// (an operator's PSUBSCRIBE or PUBSUB CHANNELS pattern means what it says),
// and injective: bytes outside [A-Za-z0-9._~@+=-] become %XX, '%' included.
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/result.h"

namespace scansync::fanout {

enum class MessageError {
  too_large = 1,  // longer than the receiver's limit
  bad_magic,      // not "ssf1 ": another application's message, or garbage
  bad_seq,
  bad_kind,
  bad_field,      // origin or epoch: length, separator or end of header
  hint_with_frame,
};
const std::error_category& message_category();  // name "scansync.fanout.message"
inline std::error_code make_error_code(MessageError e) { return {static_cast<int>(e), message_category()}; }

enum class FrameKind : char { text = 't', binary = 'b', hint = 'h' };

// Views into the decoded message: valid while its bytes are.
struct MessageView {
  std::int64_t seq = 0;
  FrameKind kind = FrameKind::text;
  std::string_view origin;
  std::string_view epoch;
  std::string_view frame;
};

constexpr std::size_t kMaxFieldBytes = 255;

// Precondition: seq ≥ 1, origin and epoch at most kMaxFieldBytes, frame
// empty for a hint.
std::string encode_message(std::int64_t seq, FrameKind kind, std::string_view origin, std::string_view epoch,
                           std::string_view frame);
Result<MessageView> decode_message(std::string_view bytes, std::size_t max_bytes);

std::string escape_user(std::string_view user);
std::string channel_of(std::string_view prefix, std::string_view user);

}  // namespace scansync::fanout

template <>
struct std::is_error_code_enum<scansync::fanout::MessageError> : std::true_type {};
