// The Engine.IO OPEN packet's JSON, read with the raw scanner instead of a
// DOM: the set of keys is fixed and small.
#include <limits>

#include "json_scan.h"
#include "scansync/proto/engine_io.h"
#include "scansync/proto/json_text.h"

namespace scansync::eio {
namespace {

using json::detail::skip_ws;

// A JSON number that must be a plain non-negative integer ("25000"); a
// fraction, exponent, sign or a value above `max` is refused.
bool parse_uint(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  std::uint64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool parse_string(std::string_view text, std::string& out) {
  auto s = json::unquote(text);
  if (!s) return false;
  out = std::move(s).value();
  return true;
}

}  // namespace

Result<Handshake> parse_handshake(std::string_view open_data) {
  constexpr auto bad = proto::errc::malformed_json;
  const char* const end = open_data.data() + open_data.size();
  const char* p = skip_ws(open_data.data(), end);
  if (p == end || *p != '{') return bad;
  p = skip_ws(p + 1, end);
  Handshake h;
  bool have_sid = false, have_upgrades = false, have_interval = false, have_timeout = false;
  if (p != end && *p == '}') return bad;  // {} lacks the required keys
  for (;;) {
    if (p == end || *p != '"') return bad;
    const char* const key_end = json::detail::skip_string(p, end);
    if (key_end == nullptr) return bad;
    auto key = json::unquote(std::string_view(p, static_cast<std::size_t>(key_end - p)));
    if (!key) return bad;
    p = skip_ws(key_end, end);
    if (p == end || *p != ':') return bad;
    const char* const value_begin = skip_ws(p + 1, end);
    const char* const value_end = json::detail::skip_value(value_begin, end, json::kDefaultMaxDepth - 1);
    if (value_end == nullptr) return bad;
    const std::string_view value(value_begin, static_cast<std::size_t>(value_end - value_begin));

    std::uint64_t n = 0;
    const std::string& k = *key;
    if (k == "sid") {
      if (!parse_string(value, h.sid) || h.sid.empty()) return bad;
      have_sid = true;
    } else if (k == "upgrades") {
      auto items = json::split_array(value);
      if (!items) return bad;
      h.upgrades.clear();
      for (const auto item : *items) {
        if (!parse_string(item, h.upgrades.emplace_back())) return bad;
      }
      have_upgrades = true;
    } else if (k == "pingInterval" || k == "pingTimeout") {
      if (!parse_uint(value, std::numeric_limits<std::uint32_t>::max(), n)) return bad;
      (k == "pingInterval" ? h.ping_interval_ms : h.ping_timeout_ms) = static_cast<std::uint32_t>(n);
      (k == "pingInterval" ? have_interval : have_timeout) = true;
    } else if (k == "maxPayload") {
      // Optional: servers before engine.io 5 did not send it.
      if (!parse_uint(value, (std::uint64_t{1} << 53) - 1, n)) return bad;
      h.max_payload = n;
    }  // other keys are ignored, as the reference client does

    p = skip_ws(value_end, end);
    if (p == end) return bad;
    if (*p == '}') break;
    if (*p != ',') return bad;
    p = skip_ws(p + 1, end);
  }
  if (skip_ws(p + 1, end) != end) return bad;
  if (!have_sid || !have_upgrades || !have_interval || !have_timeout) return bad;
  return h;
}

std::string encode_handshake(const Handshake& h) {
  std::string out = "{\"sid\":";
  out += json::quote(h.sid);
  out += ",\"upgrades\":[";
  for (std::size_t i = 0; i < h.upgrades.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += json::quote(h.upgrades[i]);
  }
  out += "],\"pingInterval\":";
  out += std::to_string(h.ping_interval_ms);
  out += ",\"pingTimeout\":";
  out += std::to_string(h.ping_timeout_ms);
  out += ",\"maxPayload\":";
  out += std::to_string(h.max_payload);
  out.push_back('}');
  return out;
}

}  // namespace scansync::eio
