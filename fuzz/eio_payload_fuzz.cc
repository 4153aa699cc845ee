// eio::decode_payload, append_to_payload and base64.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "scansync/proto/engine_io.h"

using namespace scansync::eio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  // base64: encode/decode is the identity; a decodable text re-encodes to
  // itself up to padding.
  auto bytes = base64_decode(body);
  auto encoded = base64_encode(body);
  auto identity = base64_decode(encoded);
  FUZZ_CHECK(identity.ok() && *identity == body);
  if (bytes) {
    std::string canonical = base64_encode(*bytes);
    std::string_view unpadded = body;
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.remove_suffix(1);
    while (!canonical.empty() && canonical.back() == '=') canonical.pop_back();
    FUZZ_CHECK(canonical == unpadded);
  }

  auto decoded = decode_payload(body);
  if (!decoded) return 0;
  FUZZ_CHECK(!decoded->packets.empty());
  // Re-encoding yields a payload that decodes to the same packets.
  std::string again;
  for (const auto& p : decoded->packets) append_to_payload(again, p);
  auto redecoded = decode_payload(again);
  FUZZ_CHECK(redecoded.ok());
  FUZZ_CHECK(redecoded->packets.size() == decoded->packets.size());
  for (std::size_t i = 0; i < decoded->packets.size(); ++i) {
    const auto& a = decoded->packets[i];
    const auto& b = redecoded->packets[i];
    FUZZ_CHECK(a.type == b.type && a.binary == b.binary && a.data == b.data);
  }
  return 0;
}
