// The gateway's parser of client→server WebSocket frames (ws::Parser), fed
// the input in chunks whose sizes the input's first byte chooses, as bytes
// arrive from a socket. Invariants: every step consumes what it says within
// the unread input, makes progress unless it needs more or failed, never
// hands out a message over the limit, and stays failed after an error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "gateway/ws_frame.h"

using namespace scansync::gateway::ws;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::uint64_t kMax = 4096;
  const std::size_t chunk = 1 + data[0] % 64;  // bytes that arrive per read
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

  Parser parser(kMax);
  std::string unread;  // as a session buffers it
  std::size_t fed = 0;
  bool failed = false;
  while (fed < input.size() || !unread.empty()) {
    const std::size_t n = std::min(chunk, input.size() - fed);
    unread.append(input, fed, n);
    fed += n;
    for (;;) {
      const std::size_t before = unread.size();
      Event e = parser.next(unread.data(), unread.size());
      FUZZ_CHECK(e.consumed <= before);
      if (failed) FUZZ_CHECK(e.kind == Event::Kind::error);
      if (e.kind == Event::Kind::error) {
        failed = true;
        FUZZ_CHECK(e.code != 0);
        break;
      }
      if (e.kind == Event::Kind::need_more) {
        FUZZ_CHECK(e.consumed == 0);
        break;
      }
      FUZZ_CHECK(e.consumed > 0);
      if (e.kind == Event::Kind::text || e.kind == Event::Kind::binary) FUZZ_CHECK(e.payload.size() <= kMax);
      if (e.kind == Event::Kind::ping || e.kind == Event::Kind::pong) FUZZ_CHECK(e.payload.size() <= 125);
      // Touch the payload: a view into freed or foreign memory trips ASan.
      std::size_t sum = 0;
      for (char c : e.payload) sum += static_cast<unsigned char>(c);
      (void)sum;
      unread.erase(0, e.consumed);
    }
    if (failed || (fed == input.size() && !unread.empty())) break;
  }

  // The frames the gateway writes: a header announces exactly the payload.
  const std::string payload(input.substr(0, std::min<std::size_t>(input.size(), 300)));
  const std::string frame = encode_frame(Opcode::text, payload);
  FUZZ_CHECK(frame.size() == encode_header(Opcode::text, payload.size()).size + payload.size());
  const std::string close = encode_close(kCloseNormal, payload);
  FUZZ_CHECK(close.size() <= 2 + 125);
  return 0;
}
