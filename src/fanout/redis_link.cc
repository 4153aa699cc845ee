#include "fanout/redis_link.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <random>

#include "fanout/redis_asio.h"

namespace scansync::fanout {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

RedisLink::RedisLink(boost::asio::any_io_executor executor, RedisLinkOptions options, Hooks hooks)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      timer_(executor_),
      jitter_state_(std::random_device{}()) {}

RedisLink::~RedisLink() {
  stopping_ = true;
  timer_.cancel();
  // Either frees the context now and runs its pending callbacks with null
  // replies; on_disconnect sees stopping_.
  if (up_) redisAsyncFree(std::exchange(up_, nullptr));
  if (connecting_) redisAsyncFree(std::exchange(connecting_, nullptr));
}

void RedisLink::start() {
  if (!up_ && !connecting_) connect();
}

void RedisLink::connect() {
  redisAsyncContext* ac = redisAsyncConnect(options_.endpoint.host.c_str(), options_.endpoint.port);
  if (!ac) return failed("out of memory");
  if (ac->err) {
    std::string error = ac->errstr;
    redisAsyncFree(ac);
    return failed(std::move(error));
  }
  // A peer that vanishes without a FIN (a host gone, a partition) would
  // leave a subscriber waiting for ever: TCP keepalive finds it (hiredis:
  // probes after 15 s idle). Not a PING: hiredis 0.14 misroutes its reply
  // on a subscribed connection.
  redisEnableKeepAlive(&ac->c);
  if (auto ec = attach_to_asio(ac, executor_)) {
    redisAsyncFree(ac);
    return failed("event loop: " + ec.message());
  }
  ac->data = this;
  connecting_ = ac;
  redisAsyncSetConnectCallback(ac, &RedisLink::on_connect);
  redisAsyncSetDisconnectCallback(ac, &RedisLink::on_disconnect);
  timer_.expires_after(options_.connect_timeout);
  timer_.async_wait([this, life = std::weak_ptr<int>(life_)](const boost::system::error_code& ec) {
    if (ec || life.expired() || !connecting_) return;
    redisAsyncFree(std::exchange(connecting_, nullptr));  // not connected: no disconnect callback
    failed("connect timeout");
  });
}

void RedisLink::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisLink*>(ac->data);
  if (self->stopping_) return;
  self->connecting_ = nullptr;
  self->timer_.cancel();
  if (status != REDIS_OK) return self->failed(ac->errstr);  // hiredis frees the context after this
  self->up_ = const_cast<redisAsyncContext*>(ac);
  self->attempts_ = 0;
  self->status_.up = true;
  ++self->status_.connects;
  if (self->hooks_.on_up) self->hooks_.on_up();
}

void RedisLink::on_disconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisLink*>(ac->data);
  if (self->stopping_) return;
  self->up_ = nullptr;  // hiredis frees it after this callback
  self->status_.up = false;
  const bool error = status != REDIS_OK && ac->errstr[0] != '\0';
  self->status_.last_error = error ? ac->errstr : "connection closed";
  ++self->status_.losses;
  if (self->hooks_.on_down) self->hooks_.on_down();
  if (!self->stopping_) self->retry_later();
}

void RedisLink::failed(std::string error) {
  status_.up = false;
  status_.last_error = std::move(error);
  ++status_.losses;
  retry_later();
}

void RedisLink::retry_later() {
  const auto base = options_.backoff_initial.count() << std::min(attempts_, 20);
  const auto capped = std::min<std::int64_t>(base, options_.backoff_max.count());
  const double unit = static_cast<double>(splitmix64(jitter_state_) >> 11) * 0x1.0p-53;  // [0, 1)
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(capped) * (0.8 + 0.4 * unit)));
  ++attempts_;
  timer_.expires_after(delay);
  timer_.async_wait([this, life = std::weak_ptr<int>(life_)](const boost::system::error_code& ec) {
    if (ec || life.expired()) return;
    connect();
  });
}

}  // namespace scansync::fanout
