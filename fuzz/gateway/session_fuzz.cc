// One gateway, sans-I/O: the product application (JWT, rooms, scans over a
// real SQLite file) behind Engine.IO sessions, driven by lines of input:
//
//   w<text>  a WebSocket text frame from alice's phone    W<bytes> a binary one
//   p<body>  a long-polling POST from alice's laptop      P<body>  binary content type
//   g        a long-polling GET from the laptop
//   u        the laptop upgrades to WebSocket; then      v<text>  is a frame on it
//   t<n>     time passes: n × 997 ms, and every session ticks
//   x        the phone's WebSocket goes away
//   any other line: a text frame from the phone.
//
// Both of alice's devices connect with a valid token and join her room;
// a fuzzed line can do anything after that. A closed session is replaced by
// a fresh one. Invariants: bob's joined device, idle on its own session,
// never receives a frame; every frame the gateway sends is an Engine.IO
// packet; a session that is still open holds no more than its queue bound.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_temp_dir.h"
#include <boost/asio/io_context.hpp>

#include "gateway/scan_app.h"
#include "gateway/sio_client.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"
#include "scansync/auth/jwt.h"

using namespace scansync;
using namespace scansync::gateway;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kNowUnix = 1'800'000'000;
constexpr const char* kSecret = "fuzz-secret";

EngineConfig config() {
  EngineConfig c;
  c.max_payload = 16384;
  c.max_write_queue_bytes = 1 << 18;
  return c;
}

std::string token(const std::string& user) {
  auth::Claims c;
  c.sub = user;
  c.exp = kNowUnix + 3600;
  return auth::sign_hs256(c, kSecret);
}

struct World {
  boost::asio::io_context io;  // the repository's completions, polled by drain()
  std::unique_ptr<scans::SqliteScanRepository> repository;
  std::unique_ptr<ScanApp> app;
};

World& world() {
  static World* w = [] {
    auto* x = new World;
    store::StoreOptions o;
    o.durability = scansync::store::Durability::normal;  // an fsync per create would slow the fuzzer 100-fold
    auto s = store::ScanStore::open(fuzz_temp_dir() / "scansync.db", o);
    FUZZ_CHECK(s.ok());
    x->repository = std::make_unique<scans::SqliteScanRepository>(std::move(*s), x->io.get_executor());
    auth::VerifierOptions v;
    v.secret = kSecret;
    x->app = std::make_unique<ScanApp>(*x->repository, scans::RequestOptions{}, v, [] { return kNowUnix; });
    return x;
  }();
  return *w;
}

// Every frame the gateway writes is an Engine.IO packet: a type digit, or
// a binary MESSAGE.
void check_frame(const Frame& f) {
  FUZZ_CHECK(f.bytes != nullptr);
  if (f.binary) return;
  FUZZ_CHECK(!f.bytes->empty() && (*f.bytes)[0] >= '0' && (*f.bytes)[0] <= '6');
}

class Device {
 public:
  Device(std::string user, TransportKind transport, int n)
      : engine_("sid" + std::to_string(n), transport, config(), now(), transport == TransportKind::websocket ? 1 : 0),
        client_(engine_, *world().app, HandshakeInfo{}, 45000ms, now(), [n] { return "sock" + std::to_string(n); }) {
    engine_.set_upper(&client_);
    drain();
    in(R"(40{"token":")" + token(user) + R"("})");
    in(R"(420["room:join",{}])");
    drain();
  }

  static TimePoint& now() {
    static TimePoint t{};
    return t;
  }

  // A text frame (or, over polling, a POST) from this device.
  void in(const std::string& text) {
    if (engine_.transport() == TransportKind::websocket || engine_.upgraded()) {
      engine_.on_ws_frame(channel(), text, false, now());
    } else {
      engine_.on_poll_post(text, false, now());
    }
  }

  EngineSession& engine() { return engine_; }
  std::uint64_t channel() const { return engine_.upgraded() || upgrading_ ? 2 : 1; }
  void begin_upgrade() { upgrading_ = engine_.begin_upgrade(2, now()) || upgrading_; }

  // Takes whatever the gateway would write now; returns the frame count.
  std::size_t drain() {
    world().io.poll();
    world().io.restart();
    std::size_t n = 0;
    for (std::uint64_t ch : {1, 2}) {
      while (auto f = engine_.take_ws_frame(ch)) {
        check_frame(*f);
        ++n;
      }
    }
    if (engine_.poll_ready()) {
      FUZZ_CHECK(!engine_.take_poll_body().empty());
      ++n;
    }
    FUZZ_CHECK(engine_.closed() || engine_.queued_bytes() <= config().max_write_queue_bytes);
    return n;
  }

 private:
  EngineSession engine_;
  SioClient client_;
  bool upgrading_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static int sessions = 0;
  world();
  auto phone = std::make_unique<Device>("alice", TransportKind::websocket, ++sessions);
  auto laptop = std::make_unique<Device>("alice", TransportKind::polling, ++sessions);
  auto bob = std::make_unique<Device>("bob", TransportKind::websocket, ++sessions);
  FUZZ_CHECK(world().app->rooms().size("user:bob") == 1);

  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const auto nl = input.find('\n');
    const std::string line(input.substr(0, nl));
    input = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
    const char cmd = line.empty() ? 'w' : line[0];
    const std::string arg = line.empty() ? std::string() : line.substr(1);
    switch (cmd) {
      case 'W': phone->engine().on_ws_frame(phone->channel(), arg, true, Device::now()); break;
      case 'p': laptop->engine().on_poll_post(arg, false, Device::now()); break;
      case 'P': laptop->engine().on_poll_post(arg, true, Device::now()); break;
      case 'g': laptop->engine().on_poll_get(Device::now()); break;
      case 'u': laptop->begin_upgrade(); break;
      case 'v': laptop->engine().on_ws_frame(2, arg, false, Device::now()); break;
      case 'x': phone->engine().on_ws_closed(phone->channel()); break;
      case 't': {
        Device::now() += std::chrono::milliseconds(997) * (1 + std::atoi(arg.c_str()) % 60);
        for (Device* d : {phone.get(), laptop.get()}) {
          if (auto due = d->engine().next_deadline(); due && *due <= Device::now()) d->engine().on_tick(Device::now());
        }
        break;
      }
      case 'w': phone->in(arg); break;
      default: phone->in(line); break;
    }
    phone->drain();
    laptop->drain();
    FUZZ_CHECK(bob->drain() == 0);
    if (phone->engine().closed()) phone = std::make_unique<Device>("alice", TransportKind::websocket, ++sessions);
    if (laptop->engine().closed()) laptop = std::make_unique<Device>("alice", TransportKind::polling, ++sessions);
  }
  // Sessions that end leave the rooms: only the three of this input remain.
  phone.reset();
  laptop.reset();
  bob.reset();
  FUZZ_CHECK(world().app->rooms().size("user:alice") == 0);
  FUZZ_CHECK(world().app->rooms().size("user:bob") == 0);
  return 0;
}
