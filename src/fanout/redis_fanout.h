#pragma once
// RedisFanout: the fan-out of several gateway nodes over Redis pub/sub.
//
// Two connections (RedisLink, each reconnecting by itself):
// - publisher: publish() sends PUBLISH <channel of user> <message>
//   (wire_message.h: a header with seq, kind, origin node, epoch, then the
//   frame's bytes as encoded once by the publisher).
// - subscriber: SUBSCRIBE/UNSUBSCRIBE as users come and go on this node
//   (RedisSubscriptions), and the messages of other nodes.
//
// The publishing node hands the change to its own sink directly, not
// through Redis, and ignores its own messages coming back: Redis down never
// stops local delivery. A change that could not be published (link down, or
// lost in flight) is re-announced as a hint once the publisher link is back,
// at most one per user (the highest seq), up to max_hinted_users users: a
// node whose own link never failed learns of it and backfills.
//
// What a message from the channel may be is bounded (max_message_bytes) and
// checked; anything else is dropped and counted, never a crash.
//
// The process must ignore SIGPIPE (hiredis writes with write(2)); the
// gateway does. Single-threaded: everything on the executor's thread.
#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>

#include "fanout/fanout.h"
#include "fanout/redis_link.h"
#include "fanout/redis_subscriptions.h"

namespace scansync::fanout {

struct RedisFanoutOptions {
  RedisEndpoint endpoint;  // a numeric address (redis_link.h)
  // Several deployments may share one Redis: their channels differ by prefix.
  std::string channel_prefix = "scansync:";
  std::string node_id;  // "" → a random one; at most kMaxFieldBytes
  std::size_t max_message_bytes = (1u << 20) + 1024;  // a 1 MiB frame plus its header
  std::size_t max_hinted_users = 10000;
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds connect_timeout{3000};
  std::function<std::chrono::steady_clock::time_point()> now;  // for the publish latency; default steady_clock
};

class RedisFanout final : public Fanout {
 public:
  // Connects at once (without blocking). `sink` must outlive the fan-out.
  RedisFanout(boost::asio::any_io_executor executor, RedisFanoutOptions options, FanoutSink& sink);
  // Closes both connections; nothing reaches the sink from here on.
  ~RedisFanout() override;
  RedisFanout(const RedisFanout&) = delete;
  RedisFanout& operator=(const RedisFanout&) = delete;

  void publish(std::string_view user, std::int64_t seq, std::string_view epoch, EncodedFrame frame) override;
  void subscribe(std::string_view user) override;
  void unsubscribe(std::string_view user) override;
  FanoutStatus status() const override;

  const std::string& node_id() const { return options_.node_id; }
  // Every wanted subscription confirmed by Redis (for tests and /readyz).
  bool subscriptions_in_sync() const { return subscriptions_.in_sync(); }

 private:
  struct PendingPublish;
  struct Unsent {
    std::int64_t seq = 0;
    std::string epoch;
  };
  static void on_published(struct redisAsyncContext* ac, void* reply, void* privdata);
  static void on_subscriber_reply(struct redisAsyncContext* ac, void* reply, void* privdata);
  void publisher_up();
  void subscriber_up();
  void subscriber_down();
  void apply(SubscriptionActions actions);
  void send_subscription_command(const char* command, const std::vector<std::string>& channels);
  void on_message(std::string_view channel, std::string_view payload);
  void remember_unsent(std::string_view user, std::int64_t seq, std::string_view epoch);

  RedisFanoutOptions options_;
  FanoutSink& sink_;
  bool closing_ = false;
  RedisSubscriptions subscriptions_;
  std::unordered_map<std::string, Unsent> unsent_;  // user → the highest seq not published
  FanoutStatus counters_;
  std::string last_publish_error_;  // an error reply to PUBLISH (the link itself stayed up)
  // Last: destroyed first, while everything their callbacks touch is alive.
  RedisLink publisher_;
  RedisLink subscriber_;
};

}  // namespace scansync::fanout
