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

#include "web_client.h"

namespace {

using scansync::web::WebClient;
namespace sc = scansync::client;

WebClient& client(ClientHandle handle) { return *reinterpret_cast<WebClient*>(handle); }
std::string_view view(const char* p, std::size_t n) { return {p, n}; }
sc::Millis millis(double ms) { return sc::Millis(static_cast<sc::Millis::rep>(ms)); }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE void* ss_alloc(std::size_t n) { return std::malloc(n); }
EMSCRIPTEN_KEEPALIVE void ss_free(void* p) { std::free(p); }

EMSCRIPTEN_KEEPALIVE ClientHandle ss_create(double backoff_initial_ms, double backoff_max_ms, double backoff_factor,
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

EMSCRIPTEN_KEEPALIVE void ss_destroy(ClientHandle h) { delete &client(h); }

EMSCRIPTEN_KEEPALIVE void ss_connect(ClientHandle h) { client(h).driver().connect(); }
EMSCRIPTEN_KEEPALIVE void ss_disconnect(ClientHandle h) { client(h).driver().disconnect(); }
EMSCRIPTEN_KEEPALIVE void ss_set_online(ClientHandle h, int online) { client(h).driver().set_online(online != 0); }
EMSCRIPTEN_KEEPALIVE void ss_set_foreground(ClientHandle h, int fg) { client(h).driver().set_foreground(fg != 0); }

// ack: 0 for none, else the id ss_ack reports with.
EMSCRIPTEN_KEEPALIVE void ss_emit(ClientHandle h, const char* ev, std::size_t ev_len, const char* args,
                                  std::size_t args_len, double ack) {
  client(h).emit(view(ev, ev_len), view(args, args_len), ack);
}

EMSCRIPTEN_KEEPALIVE void ss_transport_opened(ClientHandle h, double id) {
  client(h).driver().transport_opened(static_cast<sc::TransportId>(id));
}
EMSCRIPTEN_KEEPALIVE void ss_transport_text(ClientHandle h, double id, const char* p, std::size_t n) {
  client(h).driver().transport_text(static_cast<sc::TransportId>(id), view(p, n));
}
EMSCRIPTEN_KEEPALIVE void ss_transport_binary(ClientHandle h, double id, const char* p, std::size_t n) {
  client(h).driver().transport_binary(static_cast<sc::TransportId>(id), view(p, n));
}
EMSCRIPTEN_KEEPALIVE void ss_transport_closed(ClientHandle h, double id, const char* p, std::size_t n) {
  client(h).driver().transport_closed(static_cast<sc::TransportId>(id), view(p, n));
}
EMSCRIPTEN_KEEPALIVE void ss_timer_fired(ClientHandle h) { client(h).driver().timer_fired(); }

EMSCRIPTEN_KEEPALIVE double ss_last_seq(ClientHandle h) {
  auto* feed = client(h).feed();
  return feed ? static_cast<double>(feed->last_seq()) : 0;
}
// NUL-terminated, valid until the next call into the client.
EMSCRIPTEN_KEEPALIVE const char* ss_epoch(ClientHandle h) {
  auto* feed = client(h).feed();
  return feed ? feed->epoch().c_str() : "";
}
EMSCRIPTEN_KEEPALIVE double ss_queued(ClientHandle h) { return static_cast<double>(client(h).driver().queued_count()); }
EMSCRIPTEN_KEEPALIVE double ss_dropped(ClientHandle h) { return static_cast<double>(client(h).driver().dropped_count()); }

}  // extern "C"
