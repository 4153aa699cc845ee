#include "fanout/wire_message.h"

#include <limits>

namespace scansync::fanout {
namespace {

constexpr std::string_view kMagic = "ssf1 ";

class MessageCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.fanout.message"; }
  std::string message(int c) const override {
    switch (static_cast<MessageError>(c)) {
      case MessageError::too_large: return "message longer than the limit";
      case MessageError::bad_magic: return "not a scansync fan-out message";
      case MessageError::bad_seq: return "bad seq";
      case MessageError::bad_kind: return "bad frame kind";
      case MessageError::bad_field: return "bad origin or epoch field";
      case MessageError::hint_with_frame: return "hint carries a frame";
    }
    return "unknown fan-out message error";
  }
};

// Reads decimal digits at `pos` up to `stop`; advances pos past `stop`.
bool read_number(std::string_view s, std::size_t& pos, char stop, std::uint64_t max, std::uint64_t& out) {
  std::size_t start = pos;
  std::uint64_t v = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    const std::uint64_t d = static_cast<std::uint64_t>(s[pos] - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
    ++pos;
  }
  const std::size_t digits = pos - start;
  if (digits == 0 || (digits > 1 && s[start] == '0')) return false;
  if (pos >= s.size() || s[pos] != stop) return false;
  ++pos;
  out = v;
  return true;
}

// "<len>:<bytes>" then `stop`.
bool read_field(std::string_view s, std::size_t& pos, char stop, std::string_view& out) {
  std::uint64_t len = 0;
  if (!read_number(s, pos, ':', kMaxFieldBytes, len)) return false;
  if (s.size() - pos < len + 1) return false;
  out = s.substr(pos, len);
  pos += len;
  if (s[pos] != stop) return false;
  ++pos;
  return true;
}

bool kept(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '~' || c == '@' || c == '+' || c == '=' || c == '-';
}

}  // namespace

const std::error_category& message_category() {
  static const MessageCategory c;
  return c;
}

std::string encode_message(std::int64_t seq, FrameKind kind, std::string_view origin, std::string_view epoch,
                           std::string_view frame) {
  std::string out;
  out.reserve(kMagic.size() + 48 + origin.size() + epoch.size() + frame.size());
  out += kMagic;
  out += std::to_string(seq);
  out += ' ';
  out += static_cast<char>(kind);
  out += ' ';
  out += std::to_string(origin.size());
  out += ':';
  out += origin;
  out += ' ';
  out += std::to_string(epoch.size());
  out += ':';
  out += epoch;
  out += '\n';
  out += frame;
  return out;
}

Result<MessageView> decode_message(std::string_view s, std::size_t max_bytes) {
  if (s.size() > max_bytes) return MessageError::too_large;
  if (s.substr(0, kMagic.size()) != kMagic) return MessageError::bad_magic;
  std::size_t pos = kMagic.size();
  MessageView m;
  std::uint64_t seq = 0;
  if (!read_number(s, pos, ' ', std::numeric_limits<std::int64_t>::max(), seq) || seq == 0)
    return MessageError::bad_seq;
  m.seq = static_cast<std::int64_t>(seq);
  if (s.size() - pos < 2 || s[pos + 1] != ' ') return MessageError::bad_kind;
  const char kind = s[pos];
  if (kind != 't' && kind != 'b' && kind != 'h') return MessageError::bad_kind;
  m.kind = static_cast<FrameKind>(kind);
  pos += 2;
  if (!read_field(s, pos, ' ', m.origin) || !read_field(s, pos, '\n', m.epoch)) return MessageError::bad_field;
  m.frame = s.substr(pos);
  if (m.kind == FrameKind::hint && !m.frame.empty()) return MessageError::hint_with_frame;
  return m;
}

std::string escape_user(std::string_view user) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(user.size());
  for (unsigned char c : user) {
    if (kept(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string channel_of(std::string_view prefix, std::string_view user) {
  std::string out(prefix);
  out += "u:";
  out += escape_user(user);
  return out;
}

}  // namespace scansync::fanout
