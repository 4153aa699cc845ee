#pragma once
// What the browser module (web/scansync.js) provides to the wasm: the
// WebSocket, the timer, the clock and the token provider of each client, and
// where status, events and acks go. Each call names its client by the
// handle wasm_exports.cc handed out (the WebClient's address).
//
// Texts cross as (pointer, length) of UTF-8 in wasm memory, valid only for
// the call; the JS side copies what it keeps. Ids and times are doubles, so
// no BigInt crosses the boundary (exact up to 2^53).
#include <cstddef>

#ifdef __EMSCRIPTEN__
#define SCANSYNC_BROWSER_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#else  // the native unit test (web_client_test.cc) defines them
#define SCANSYNC_BROWSER_IMPORT(name)
#endif

#include <cstdint>

using ClientHandle = std::intptr_t;

extern "C" {
// performance.now(), in milliseconds.
SCANSYNC_BROWSER_IMPORT(ss_now) double ss_now();
// Open a WebSocket to the gateway with the Engine.IO `query`; report its
// outcome later through ss_transport_* with `transport`.
SCANSYNC_BROWSER_IMPORT(ss_open) void ss_open(ClientHandle client, double transport, const char* query, std::size_t len);
SCANSYNC_BROWSER_IMPORT(ss_send) void ss_send(ClientHandle client, double transport, const char* frame, std::size_t len);
// Close (abort = 0) or drop (abort = 1) the socket; it reports nothing more.
SCANSYNC_BROWSER_IMPORT(ss_close) void ss_close(ClientHandle client, double transport, int abort);
// One timer per client: a new deadline (ms on ss_now()'s clock) replaces the last.
SCANSYNC_BROWSER_IMPORT(ss_arm_timer) void ss_arm_timer(ClientHandle client, double deadline_ms);
SCANSYNC_BROWSER_IMPORT(ss_cancel_timer) void ss_cancel_timer(ClientHandle client);
// The token for the next connect: a NUL-terminated block from ss_alloc that
// the caller frees.
SCANSYNC_BROWSER_IMPORT(ss_token) char* ss_token(ClientHandle client);
// scansync::client::Status and DisconnectReason by value; delay in ms.
SCANSYNC_BROWSER_IMPORT(ss_status)
void ss_status(ClientHandle client, int status, int attempt, double next_delay_ms, int reason);
// `args` is the JSON array of the event's arguments.
SCANSYNC_BROWSER_IMPORT(ss_event)
void ss_event(ClientHandle client, const char* name, std::size_t name_len, const char* args, std::size_t args_len);
// An event with one argument, `arg` its JSON text (no array around it). It
// may point into the text frame being fed (ss_transport_text): the JS side
// then slices its own string instead of decoding the bytes.
SCANSYNC_BROWSER_IMPORT(ss_event_arg)
void ss_event_arg(ClientHandle client, const char* name, std::size_t name_len, const char* arg, std::size_t arg_len);
// error: 0, or a scansync::client::errc value (args then "[]").
SCANSYNC_BROWSER_IMPORT(ss_ack)
void ss_ack(ClientHandle client, double ack, int error, const char* args, std::size_t args_len);
}
