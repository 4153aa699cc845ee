// Decoding contract objects from validated JSON text without a DOM.
//
// The text is validated once (json::is_valid); after that the scanner below
// only has to find where each top-level member's value ends, which on valid
// JSON needs no error handling: strings end at the first unescaped quote,
// containers at the matching bracket (brackets inside strings skipped), and
// scalars at the first structural byte or whitespace.
#include <charconv>
#include <cstring>

#include "device/scan_json.h"
#include "scansync/proto/json_text.h"

namespace scansync::device {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

const char* skip_ws(const char* p, const char* end) {
  while (p != end && is_ws(*p)) ++p;
  return p;
}

// `p` at the opening quote of a valid string literal; returns past its end.
// The closing quote is the first one preceded by an even number of
// backslashes; memchr finds the candidates.
const char* skip_string(const char* p, const char* end) {
  const char* q = p + 1;
  for (;;) {
    q = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)));
    if (q == nullptr) return end;
    const char* b = q;
    while (b[-1] == '\\') --b;  // stops at the opening quote at the latest
    if (((q - b) & 1) == 0) return q + 1;
    ++q;
  }
}

// `p` at the first byte of a valid value; returns past its end.
const char* skip_value(const char* p, const char* end) {
  if (*p == '"') return skip_string(p, end);
  if (*p == '{' || *p == '[') {
    std::size_t depth = 0;
    while (p != end) {
      const char c = *p;
      if (c == '"') {
        p = skip_string(p, end);
        continue;
      }
      ++p;
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return p;
      }
    }
    return end;
  }
  while (p != end && *p != ',' && *p != '}' && *p != ']' && !is_ws(*p)) ++p;
  return p;
}

// Calls on_member(key, raw_value) for each top-level member of `json`, which
// must be one JSON object (valid JSON already when `validated`). Returns false
// when it is not one, or when on_member returns false.
template <class OnMember>
bool for_each_member(std::string_view json, bool validated, OnMember&& on_member) {
  if (!validated && !json::is_valid(json)) return false;
  const char* p = skip_ws(json.data(), json.data() + json.size());
  const char* end = json.data() + json.size();
  if (p == end || *p != '{') return false;
  p = skip_ws(p + 1, end);
  std::string scratch;
  while (p != end && *p != '}') {
    const char* key_end = skip_string(p, end);
    auto key = json::literal_text(std::string_view(p, static_cast<std::size_t>(key_end - p)), scratch);
    if (!key.ok()) return false;
    p = skip_ws(key_end, end);  // at ':'
    p = skip_ws(p + 1, end);
    const char* value_end = skip_value(p, end);
    if (!on_member(*key, std::string_view(p, static_cast<std::size_t>(value_end - p)))) return false;
    p = skip_ws(value_end, end);
    if (p != end && *p == ',') p = skip_ws(p + 1, end);
  }
  return true;
}

// One required-or-optional member: set once, from a value of the right type.
struct Field {
  const char* name;
  bool seen = false;
};

bool read_string(std::string_view raw, std::string& out) {
  if (raw.empty() || raw.front() != '"') return false;
  std::string scratch;
  auto text = json::literal_text(raw, scratch);
  if (!text.ok()) return false;
  out.assign(text->data(), text->size());
  return true;
}

// A positive integer without fraction or exponent (the grammar already
// holds: is_valid ran). from_chars refuses values past int64.
bool read_seq(std::string_view raw, std::int64_t& out) {
  if (raw.empty() || raw.front() == '-') return false;
  const auto r = std::from_chars(raw.data(), raw.data() + raw.size(), out);
  return r.ec == std::errc{} && r.ptr == raw.data() + raw.size() && out >= 1;
}

// Matches `key` against the fields and reads the value into `target`; a
// repeated member fails (two different values: which one would be right?).
template <class Read>
bool member(std::string_view key, Field& field, Read&& read, bool& handled) {
  if (handled || key != field.name) return true;
  handled = true;
  if (field.seen) return false;
  field.seen = true;
  return read();
}

Result<Scan> scan_from(std::string_view json, bool validated) {
  Scan s;
  Field id{"id"}, user{"userId"}, code{"code"}, format{"format"}, device{"deviceId"}, created{"createdAt"},
      seq{"seq"};
  const bool ok = for_each_member(json, validated, [&](std::string_view key, std::string_view raw) {
    bool handled = false;
    return member(key, id, [&] { return read_string(raw, s.id) && !s.id.empty(); }, handled) &&
           member(key, user, [&] { return read_string(raw, s.user_id); }, handled) &&
           member(key, code, [&] { return read_string(raw, s.code); }, handled) &&
           member(key, format, [&] { return read_string(raw, s.format); }, handled) &&
           member(key, device, [&] { return read_string(raw, s.device_id); }, handled) &&
           member(key, created, [&] { return read_string(raw, s.created_at); }, handled) &&
           member(key, seq, [&] { return read_seq(raw, s.seq); }, handled);
  });
  if (!ok || !id.seen || !user.seen || !code.seen || !format.seen || !device.seen || !created.seen || !seq.seen) {
    return errc::bad_scan;
  }
  s.synced = true;
  return s;
}

Result<Deletion> deletion_from(std::string_view json, bool validated) {
  Deletion d;
  Field id{"id"}, user{"userId"}, seq{"seq"}, deleted{"deletedAt"};
  const bool ok = for_each_member(json, validated, [&](std::string_view key, std::string_view raw) {
    bool handled = false;
    return member(key, id, [&] { return read_string(raw, d.id) && !d.id.empty(); }, handled) &&
           member(key, user, [&] { return read_string(raw, d.user_id); }, handled) &&
           member(key, seq, [&] { return read_seq(raw, d.seq); }, handled) &&
           member(key, deleted, [&] { return read_string(raw, d.deleted_at); }, handled);
  });
  if (!ok || !id.seen || !seq.seen || !deleted.seen) return errc::bad_scan;
  return d;
}

}  // namespace

Result<Scan> decode_scan(std::string_view json) { return scan_from(json, false); }
Result<Deletion> decode_deletion(std::string_view json) { return deletion_from(json, false); }

Result<ServerChange> decode_server_change(ServerChange::Op op, std::string_view json) {
  ServerChange c;
  c.op = op;
  if (op == ServerChange::Op::created) {
    auto s = decode_scan(json);
    if (!s.ok()) return s.error();
    c.scan = std::move(*s);
    c.seq = c.scan.seq;
  } else {
    auto d = decode_deletion(json);
    if (!d.ok()) return d.error();
    c.deletion = std::move(*d);
    c.seq = c.deletion.seq;
  }
  return c;
}

Result<ServerChange> decode_page_change(std::string_view json) {
  std::string op;
  std::string_view scan_raw;
  bool op_seen = false, scan_seen = false;
  if (!json::is_valid(json)) return errc::bad_scan;
  const bool ok = for_each_member(json, true, [&](std::string_view key, std::string_view raw) {
    if (key == "op") {
      if (op_seen) return false;
      op_seen = true;
      return read_string(raw, op);
    }
    if (key == "scan") {
      if (scan_seen) return false;
      scan_seen = true;
      scan_raw = raw;
    }
    return true;
  });
  if (!ok || !op_seen) return errc::bad_scan;
  ServerChange c;
  if (op == "created") {
    if (!scan_seen) return errc::bad_scan;
    auto s = scan_from(scan_raw, true);  // a part of validated text is valid
    if (!s.ok()) return s.error();
    c.scan = std::move(*s);
    c.seq = c.scan.seq;
    return c;
  }
  if (op != "deleted") return errc::bad_scan;
  auto d = deletion_from(json, true);
  if (!d.ok()) return d.error();
  c.op = ServerChange::Op::deleted;
  c.deletion = std::move(*d);
  c.seq = c.deletion.seq;
  return c;
}

namespace detail {

std::string create_payload(const Scan& scan) {
  std::string out;
  out.reserve(80 + scan.id.size() + scan.code.size() + scan.format.size() + scan.device_id.size() +
              scan.created_at.size());
  out += "{\"id\":";
  out += json::quote(scan.id);
  out += ",\"code\":";
  out += json::quote(scan.code);
  out += ",\"format\":";
  out += json::quote(scan.format);
  out += ",\"deviceId\":";
  out += json::quote(scan.device_id);
  out += ",\"createdAt\":";
  out += json::quote(scan.created_at);
  out += '}';
  return out;
}

std::string remove_payload(std::string_view id) { return "{\"id\":" + json::quote(id) + "}"; }

bool is_uuid_v4(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  const char variant = s[19];
  return s[14] == '4' && std::strchr("89abAB", variant) != nullptr;
}

}  // namespace detail
}  // namespace scansync::device
