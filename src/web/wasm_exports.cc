// The C-style export layer of the browser module: what web/scansync.js
// calls. Thin on purpose: each function converts its arguments and calls the
// WebClient's driver, which runs the core and executes its actions through
// browser_imports.h. A handle is a WebClient's address; the JS side never
// uses one after ss_destroy.
#include <emscripten/emscripten.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "browser_imports.h"
#include "web_client.h"

namespace {

using scansync::web::WebClient;
namespace sc = scansync::client;

WebClient& client(int handle) { return *reinterpret_cast<WebClient*>(static_cast<std::uintptr_t>(handle)); }
std::string_view view(const char* p, std::size_t n) { return {p, n}; }
sc::Millis millis(double ms) { return sc::Millis(static_cast<sc::Millis::rep>(ms)); }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void* ss_alloc(std::size_t n) { return std::malloc(n); }
EMSCRIPTEN_KEEPALIVE void ss_free(void* p) { std::free(p); }

EMSCRIPTEN_KEEPALIVE int ss_create(double backoff_initial_ms, double backoff_max_ms, double backoff_factor,
                                   int max_attempts, double jitter, int queue_capacity, double ack_timeout_ms,
                                   double connect_timeout_ms, int catch_up, double last_seq, int page_limit,
                                   const char* epoch, std::size_t epoch_len) {
  scansync::web::WebOptions o;
  o.core.backoff.initial = millis(backoff_initial_ms);
  o.core.backoff.max = millis(backoff_max_ms);
  o.core.backoff.factor = backoff_factor;
  o.core.backoff.max_attempts = max_attempts;
  o.core.backoff.jitter = jitter;
  o.core.queue_capacity = static_cast<std::size_t>(queue_capacity);
  o.core.ack_timeout = millis(ack_timeout_ms);
  o.core.connect_timeout = millis(connect_timeout_ms);
  o.catch_up = catch_up != 0;
  o.feed.last_seq = static_cast<std::int64_t>(last_seq);
  o.feed.page_limit = page_limit;
  o.feed.epoch = std::string(epoch, epoch_len);
  return (new WebClient(std::move(o)))->handle();
}

EMSCRIPTEN_KEEPALIVE void ss_destroy(int h) { delete &client(h); }

EMSCRIPTEN_KEEPALIVE void ss_connect(int h) { client(h).driver().connect(); }
EMSCRIPTEN_KEEPALIVE void ss_disconnect(int h) { client(h).driver().disconnect(); }
EMSCRIPTEN_KEEPALIVE void ss_set_online(int h, int online) { client(h).driver().set_online(online != 0); }
EMSCRIPTEN_KEEPALIVE void ss_set_foreground(int h, int fg) { client(h).driver().set_foreground(fg != 0); }

// ack: 0 for none, else the id ss_ack reports with.
EMSCRIPTEN_KEEPALIVE void ss_emit(int h, const char* ev, std::size_t ev_len, const char* args, std::size_t args_len,
                                  double ack) {
  sc::AckHandler handler;
  if (ack != 0) {
    handler = [h, ack](std::error_code ec, const std::vector<std::string_view>& reply) {
      const std::string out = scansync::web::json_array(reply);
      ss_ack(h, ack, ec ? ec.value() : 0, out.data(), out.size());
    };
  }
  client(h).driver().emit(view(ev, ev_len), view(args, args_len), std::move(handler));
}

EMSCRIPTEN_KEEPALIVE void ss_transport_opened(int h, double id) {
  client(h).driver().transport_opened(static_cast<sc::TransportId>(id));
}
EMSCRIPTEN_KEEPALIVE void ss_transport_text(int h, double id, const char* p, std::size_t n) {
  client(h).driver().transport_text(static_cast<sc::TransportId>(id), view(p, n));
}
EMSCRIPTEN_KEEPALIVE void ss_transport_binary(int h, double id, const char* p, std::size_t n) {
  client(h).driver().transport_binary(static_cast<sc::TransportId>(id), view(p, n));
}
EMSCRIPTEN_KEEPALIVE void ss_transport_closed(int h, double id, const char* p, std::size_t n) {
  client(h).driver().transport_closed(static_cast<sc::TransportId>(id), view(p, n));
}
EMSCRIPTEN_KEEPALIVE void ss_timer_fired(int h) { client(h).driver().timer_fired(); }

EMSCRIPTEN_KEEPALIVE double ss_last_seq(int h) {
  auto* feed = client(h).feed();
  return feed ? static_cast<double>(feed->last_seq()) : 0;
}
// NUL-terminated, valid until the next call into the client.
EMSCRIPTEN_KEEPALIVE const char* ss_epoch(int h) {
  auto* feed = client(h).feed();
  return feed ? feed->epoch().c_str() : "";
}
EMSCRIPTEN_KEEPALIVE double ss_queued(int h) { return static_cast<double>(client(h).driver().queued_count()); }
EMSCRIPTEN_KEEPALIVE double ss_dropped(int h) { return static_cast<double>(client(h).driver().dropped_count()); }

}  // extern "C"
