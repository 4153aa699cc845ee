// Built only under Emscripten: drives the client core through a connect,
// the room join, an emit with its ack, a server event and a lost connection,
// and prints OK, so a libc++ or codegen difference shows up as a failed run
// (node build-wasm/src/client/client_smoke.js), not just as a compile.
#include <cstdio>
#include <string>
#include <variant>

#include "scansync/client/client_core.h"

int main() {
  using namespace scansync::client;
  TimePoint now{std::chrono::hours(1)};
  int tokens = 0;
  ClientCore core(ClientOptions{}, [&] { return "tok" + std::to_string(tokens++); }, [&] { return now; });
  std::string got;
  std::string acked;
  core.on("scan:created", [&](const Event& e) { got = std::string(e.name) + std::string(e.args.at(0)); });

  std::vector<std::string> frames;
  auto pump = [&] {
    for (auto& a : core.take_actions()) {
      if (auto* s = std::get_if<SendText>(&a)) frames.push_back(s->frame);
    }
  };
  core.emit("scan:create", R"([{"id":"1"}])", [&](std::error_code ec, const std::vector<std::string_view>& args) {
    if (!ec && !args.empty()) acked = std::string(args[0]);
  });
  core.connect();
  core.on_transport_open();
  core.on_transport_text(R"(0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  core.on_transport_text(R"(40{"sid":"s","pid":"p"})");
  core.on_transport_text(R"(430[{"ok":true,"room":"user:alice"}])");
  pump();
  if (frames.size() != 3 || frames[0] != R"(40{"token":"tok0"})" || frames[1] != R"(420["room:join",{}])" ||
      frames[2] != R"(421["scan:create",{"id":"1"}])") {
    return std::puts("FAIL frames"), 1;
  }
  core.on_transport_text(R"(431[{"ok":true}])");
  if (acked != R"({"ok":true})") return std::puts("FAIL ack"), 1;
  core.on_transport_text(R"(42["scan:created",{"id":"1"},"off-1"])");
  if (got != R"(scan:created{"id":"1"})") return std::puts("FAIL event"), 1;
  core.on_transport_closed("eof");
  if (core.status().status != Status::reconnecting || core.status().next_delay != Millis{1000}) {
    return std::puts("FAIL reconnecting"), 1;
  }
  now += Millis{1000};
  core.on_timer();
  core.on_transport_open();
  core.on_transport_text(R"(0{"sid":"e2","upgrades":[],"pingInterval":25000,"pingTimeout":20000})");
  frames.clear();
  pump();
  if (frames.size() != 1 || frames[0] != R"(40{"token":"tok1","pid":"p","offset":"off-1"})") {
    return std::puts("FAIL recovery"), 1;
  }
  std::puts("OK");
  return 0;
}
