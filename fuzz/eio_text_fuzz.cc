// eio::decode_text and, for OPEN packets, parse_handshake.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "scansync/proto/engine_io.h"

using namespace scansync::eio;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  auto packet = decode_text(frame);
  if (!packet) return 0;
  FUZZ_CHECK(!packet->binary);
  // A text frame is the type digit plus the data, byte for byte.
  FUZZ_CHECK(encode_text(packet->type, packet->data) == frame);

  if (packet->type == PacketType::open) {
    auto h = parse_handshake(packet->data);
    if (h) {
      auto again = parse_handshake(encode_handshake(*h));
      FUZZ_CHECK(again.ok());
      FUZZ_CHECK(again->sid == h->sid && again->upgrades == h->upgrades);
      FUZZ_CHECK(again->ping_interval_ms == h->ping_interval_ms);
      FUZZ_CHECK(again->ping_timeout_ms == h->ping_timeout_ms);
      FUZZ_CHECK(again->max_payload == h->max_payload);
    }
  }
  return 0;
}
