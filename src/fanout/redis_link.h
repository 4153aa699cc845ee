#pragma once
// One connection to Redis that keeps itself up: connects without blocking
// (redisAsyncConnect + the Asio adapter), and when the connection fails or
// is lost, tries again after a backoff (doubling from backoff_initial up to
// backoff_max, ±20% jitter), for ever, until destroyed.
//
// hiredis 0.14 (Debian 12) resolves a host name with a blocking
// getaddrinfo(3) inside redisAsyncConnect and has no connect timeout: give
// `host` as a numeric address; connect_timeout is this class's own timer.
//
// Single-threaded: everything on the executor's thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fanout/fanout.h"

struct redisAsyncContext;

namespace scansync::fanout {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  // AUTH [username] password after connecting, when a password is set; the
  // link is up once Redis accepted it. A refusal is a failure like any other.
  std::string username;
  std::string password;
};

struct RedisLinkOptions {
  RedisEndpoint endpoint;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds connect_timeout{3000};
};

class RedisLink {
 public:
  struct Hooks {
    std::function<void()> on_up;    // context() is usable
    std::function<void()> on_down;  // it was up and is lost; pending replies came back null
  };
  RedisLink(boost::asio::any_io_executor executor, RedisLinkOptions options, Hooks hooks);
  // Frees the context: hiredis calls the pending command callbacks with a
  // null reply from inside the destructor (hooks are not called).
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  void start();
  // Non-null only while up. Valid until the next return to the event loop.
  redisAsyncContext* context() const { return up_; }
  const LinkStatus& status() const { return status_; }

 private:
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_auth(redisAsyncContext* ac, void* reply, void* privdata);
  void became_up(redisAsyncContext* ac);
  void connect();
  void failed(std::string error);
  void retry_later();

  boost::asio::any_io_executor executor_;
  RedisLinkOptions options_;
  Hooks hooks_;
  boost::asio::steady_timer timer_;  // the backoff, or the connect timeout
  redisAsyncContext* connecting_ = nullptr;  // until connected (and authenticated)
  redisAsyncContext* up_ = nullptr;
  bool stopping_ = false;
  // Timer completions already queued when the link is destroyed find it expired.
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
  int attempts_ = 0;  // failures since the last connection
  std::string auth_error_;  // why on_auth disconnected
  std::uint64_t jitter_state_;
  LinkStatus status_;
};

}  // namespace scansync::fanout
