#include "fanout/redis_link.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <vector>
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
    // Connected but not authenticated yet: hiredis calls on_disconnect,
    // which ignores a context that is no longer ours.
    redisAsyncFree(std::exchange(connecting_, nullptr));
    failed("connect timeout");
  });
}

void RedisLink::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisLink*>(ac->data);
  if (self->stopping_) return;
  auto* context = const_cast<redisAsyncContext*>(ac);
  if (status != REDIS_OK) {
    self->connecting_ = nullptr;  // hiredis frees the context after this
    self->timer_.cancel();
    return self->failed(ac->errstr);
  }
  const RedisEndpoint& e = self->options_.endpoint;
  if (e.password.empty()) return self->became_up(context);
  // Still connecting_ (and under the connect timeout) until AUTH is answered.
  std::vector<const char*> argv{"AUTH"};
  std::vector<std::size_t> lens{4};
  if (!e.username.empty()) {
    argv.push_back(e.username.data());
    lens.push_back(e.username.size());
  }
  argv.push_back(e.password.data());
  lens.push_back(e.password.size());
  redisAsyncCommandArgv(context, &RedisLink::on_auth, self, static_cast<int>(argv.size()), argv.data(), lens.data());
}

void RedisLink::on_auth(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<RedisLink*>(privdata);
  auto* r = static_cast<redisReply*>(reply);
  if (self->stopping_ || !r || ac != self->connecting_) return;  // null: the context is going
  if (r->type == REDIS_REPLY_ERROR) {
    self->auth_error_ = "AUTH: " + std::string(r->str, r->len);
    redisAsyncDisconnect(ac);  // then on_disconnect, and a retry after the backoff
    return;
  }
  self->became_up(ac);
}

void RedisLink::became_up(redisAsyncContext* ac) {
  connecting_ = nullptr;
  timer_.cancel();
  up_ = ac;
  attempts_ = 0;
  auth_error_.clear();
  status_.up = true;
  ++status_.connects;
  if (hooks_.on_up) hooks_.on_up();
}

void RedisLink::on_disconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisLink*>(ac->data);
  if (self->stopping_) return;
  const bool error = status != REDIS_OK && ac->errstr[0] != '\0';
  std::string reason = !self->auth_error_.empty() ? std::exchange(self->auth_error_, {})
                       : error                    ? std::string(ac->errstr)
                                                  : std::string("connection closed");
  if (ac == self->connecting_) {  // connected, never up (AUTH refused, or lost before its answer)
    self->connecting_ = nullptr;
    self->timer_.cancel();
    return self->failed(std::move(reason));
  }
  if (ac != self->up_) return;  // freed by the connect timeout: already handled
  self->up_ = nullptr;  // hiredis frees it after this callback
  self->status_.up = false;
  self->status_.last_error = std::move(reason);
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
