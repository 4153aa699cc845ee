// Built only under Emscripten (scripts/check-wasm.sh): decodes a real packet
// through both layers and prints OK, so a broken libc++ or codegen shows up
// as a failed run, not just a compile.
#include <cstdio>
#include <string_view>

#include "scansync/proto/engine_io.h"
#include "scansync/proto/json_text.h"
#include "scansync/proto/socket_io.h"

int main() {
  using namespace scansync;
  constexpr std::string_view kFrame = R"(42/admin,7["scan:created",{"id":"a","code":"\u00e9\ud83d\ude00","seq":1}])";
  auto eio_packet = eio::decode_text(kFrame);
  if (!eio_packet || eio_packet->type != eio::PacketType::message) return std::puts("FAIL eio"), 1;
  auto packet = sio::decode(eio_packet->data);
  if (!packet || packet->nsp != "/admin" || !packet->id || *packet->id != 7) return std::puts("FAIL sio"), 1;
  auto args = json::split_array(packet->data);
  if (!args || args->size() != 2) return std::puts("FAIL split"), 1;
  auto name = json::unquote((*args)[0]);
  if (!name || *name != "scan:created") return std::puts("FAIL unquote"), 1;
  auto hs = eio::parse_handshake(R"({"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000})");
  if (!hs || hs->ping_interval_ms != 25000) return std::puts("FAIL handshake"), 1;
  if (eio::base64_encode("\x01\x02\x03\x04") != "AQIDBA==") return std::puts("FAIL base64"), 1;
  if (sio::decode("42[\"a\"").ok()) return std::puts("FAIL malformed accepted"), 1;
  std::puts("OK");
  return 0;
}
