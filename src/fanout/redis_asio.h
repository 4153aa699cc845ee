#pragma once
// hiredis on an Asio event loop: an adapter for a redisAsyncContext, in the
// manner of hiredis' own adapters (adapters/libev.h …). hiredis says through
// its ev hooks when it wants to read or write its socket; the adapter waits
// for that with posix::stream_descriptor::async_wait and calls
// redisAsyncHandleRead/Write. Nothing blocks the loop.
//
// Asio's epoll reactor is edge-triggered and hiredis reads at most 16 KiB per
// call, so before each wait the adapter asks poll(2) (timeout 0) whether the
// socket is ready already and, if so, posts the handling instead: readiness
// is level-triggered as hiredis expects.
//
// Lifetime: the adapter lives until hiredis frees the context (its cleanup
// hook); waits still pending then complete without touching the context. The
// socket stays hiredis' to close. The executor's io_context must outlive it.
#include <system_error>

#include <boost/asio/any_io_executor.hpp>

struct redisAsyncContext;

namespace scansync::fanout {

// Precondition: `ac` was just created by redisAsyncConnect (or a sibling),
// without error, and has no adapter yet. Attach before setting the connect
// callback: hiredis then asks for the first write readiness, which is how a
// non-blocking connect completes.
std::error_code attach_to_asio(redisAsyncContext* ac, const boost::asio::any_io_executor& executor);

}  // namespace scansync::fanout
