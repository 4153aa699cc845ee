// sio::decode, is_valid and encode.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "scansync/proto/json_text.h"
#include "scansync/proto/socket_io.h"

using namespace scansync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto packet = sio::decode(text);
  if (!packet) return 0;

  // Whatever decodes is encodable and comes back the same (the text itself
  // may differ: leading zeros in ids, an explicit "/," namespace).
  FUZZ_CHECK(sio::is_valid(*packet));
  FUZZ_CHECK(packet->data.empty() || json::is_valid(packet->data));
  const std::string encoded = sio::encode(*packet);
  auto back = sio::decode(encoded);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(back->type == packet->type);
  FUZZ_CHECK(back->nsp == packet->nsp);
  FUZZ_CHECK(back->id == packet->id);
  FUZZ_CHECK(back->data == packet->data);
  FUZZ_CHECK(back->attachments == packet->attachments);
  FUZZ_CHECK(sio::encode(*back) == encoded);

  if (packet->type == sio::PacketType::event || packet->type == sio::PacketType::binary_event) {
    auto args = json::split_array(packet->data);
    FUZZ_CHECK(args.ok() && !args->empty());
    auto name = json::unquote((*args)[0]);
    FUZZ_CHECK(name.ok());
  }
  return 0;
}
