// Standard base64 (RFC 4648 §4), as engine.io uses for binary packets in
// long-polling payloads.
#include <cstdint>

#include "scansync/proto/engine_io.h"

namespace scansync::eio {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct DecodeTable {
  std::int8_t v[256];
  constexpr DecodeTable() : v{} {
    for (auto& x : v) x = -1;
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
};
constexpr DecodeTable kDecode;

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  for (; n >= 3; n -= 3, p += 3) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (n > 0) {
    const std::uint32_t v = (std::uint32_t{p[0]} << 16) | (n == 2 ? std::uint32_t{p[1]} << 8 : 0);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(n == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// Accepts padded and unpadded input (peers differ), but only the canonical
// form: unused low bits of the last symbol must be zero, and no whitespace
// or '=' inside. So encode(decode(x)) reproduces x up to padding.
Result<std::string> base64_decode(std::string_view text) {
  std::size_t n = text.size();
  if (n % 4 == 0 && n > 0 && text[n - 1] == '=') n -= (text[n - 2] == '=') ? 2 : 1;
  if (n % 4 == 1) return proto::errc::bad_base64;
  std::string out;
  out.reserve(n / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int d = kDecode.v[static_cast<unsigned char>(text[i])];
    if (d < 0) return proto::errc::bad_base64;
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return proto::errc::bad_base64;
  return out;
}

}  // namespace scansync::eio
