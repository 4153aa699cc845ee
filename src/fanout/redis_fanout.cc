#include "fanout/redis_fanout.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <memory>
#include <random>

#include "fanout/wire_message.h"

namespace scansync::fanout {
namespace {

constexpr std::size_t kChannelsPerCommand = 256;

std::string random_node_id() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "node-";
  for (int shift = 60; shift >= 0; shift -= 4) id += kHex[(v >> shift) & 0xF];
  return id;
}

RedisLinkOptions link_options(const RedisFanoutOptions& o) {
  return RedisLinkOptions{o.endpoint, o.backoff_initial, o.backoff_max, o.connect_timeout};
}

std::string_view text_of(const redisReply* r) {
  return r && r->type == REDIS_REPLY_STRING ? std::string_view(r->str, r->len) : std::string_view();
}

}  // namespace

struct RedisFanout::PendingPublish {
  RedisFanout* fanout;
  std::string user;
  std::int64_t seq;
  std::string epoch;
  std::chrono::steady_clock::time_point sent;
};

RedisFanout::RedisFanout(boost::asio::any_io_executor executor, RedisFanoutOptions options, FanoutSink& sink)
    : options_(std::move(options)),
      sink_(sink),
      publisher_(executor, link_options(options_), RedisLink::Hooks{[this] { publisher_up(); }, nullptr}),
      subscriber_(executor, link_options(options_),
                  RedisLink::Hooks{[this] { subscriber_up(); }, [this] { subscriber_down(); }}) {
  if (options_.node_id.empty()) options_.node_id = random_node_id();
  options_.node_id.resize(std::min(options_.node_id.size(), kMaxFieldBytes));
  if (!options_.now) options_.now = [] { return std::chrono::steady_clock::now(); };
  counters_.kind = "redis";
  publisher_.start();
  subscriber_.start();
}

RedisFanout::~RedisFanout() { closing_ = true; }  // then the links go, running pending callbacks with null replies

void RedisFanout::publish(std::string_view user, std::int64_t seq, std::string_view epoch, EncodedFrame frame) {
  ++counters_.published;
  redisAsyncContext* ac = publisher_.context();
  std::string message;
  if (ac) {
    const FrameKind kind = !frame.bytes ? FrameKind::hint : frame.binary ? FrameKind::binary : FrameKind::text;
    message = encode_message(seq, kind, options_.node_id, epoch.substr(0, kMaxFieldBytes),
                             frame.bytes ? std::string_view(*frame.bytes) : std::string_view());
  }
  // This node's sockets first, whatever the link does.
  sink_.on_delivery(Delivery{user, seq, epoch, frame, /*from_this_node=*/true});
  if (!ac) {
    ++counters_.publish_failed;
    return remember_unsent(user, seq, epoch);
  }
  ac = publisher_.context();  // the sink may have run anything
  const std::string channel = channel_of(options_.channel_prefix, user);
  const char* argv[] = {"PUBLISH", channel.data(), message.data()};
  const std::size_t lens[] = {7, channel.size(), message.size()};
  auto pending = std::make_unique<PendingPublish>(
      PendingPublish{this, std::string(user), seq, std::string(epoch), options_.now()});
  if (!ac || redisAsyncCommandArgv(ac, &RedisFanout::on_published, pending.get(), 3, argv, lens) != REDIS_OK) {
    ++counters_.publish_failed;
    return remember_unsent(user, seq, epoch);
  }
  pending.release();  // on_published owns it; hiredis calls it once, with a null reply if the link goes
}

void RedisFanout::on_published(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<PendingPublish> p(static_cast<PendingPublish*>(privdata));
  RedisFanout& self = *p->fanout;
  if (self.closing_) return;
  auto* r = static_cast<redisReply*>(reply);
  if (!r || r->type == REDIS_REPLY_ERROR) {
    ++self.counters_.publish_failed;
    if (r) self.last_publish_error_ = std::string(r->str, r->len);
    return self.remember_unsent(p->user, p->seq, p->epoch);
  }
  const auto latency = std::chrono::duration_cast<Micros>(self.options_.now() - p->sent);
  self.counters_.last_publish_latency = latency;
  if (!self.counters_.max_publish_latency || latency > *self.counters_.max_publish_latency)
    self.counters_.max_publish_latency = latency;
}

void RedisFanout::remember_unsent(std::string_view user, std::int64_t seq, std::string_view epoch) {
  auto it = unsent_.find(std::string(user));
  if (it == unsent_.end()) {
    if (unsent_.size() >= options_.max_hinted_users) return;  // the subscribers' own link_restored still backfills
    unsent_.emplace(std::string(user), Unsent{seq, std::string(epoch)});
  } else if (seq > it->second.seq) {
    it->second = Unsent{seq, std::string(epoch)};
  }
}

void RedisFanout::publisher_up() {
  // Hints for what could not be published while the link was down.
  auto unsent = std::move(unsent_);
  unsent_.clear();
  redisAsyncContext* ac = publisher_.context();
  for (const auto& [user, u] : unsent) {
    const std::string channel = channel_of(options_.channel_prefix, user);
    const std::string message = encode_message(u.seq, FrameKind::hint, options_.node_id, u.epoch.substr(0, kMaxFieldBytes), {});
    const char* argv[] = {"PUBLISH", channel.data(), message.data()};
    const std::size_t lens[] = {7, channel.size(), message.size()};
    auto pending = std::make_unique<PendingPublish>(PendingPublish{this, user, u.seq, u.epoch, options_.now()});
    if (ac && redisAsyncCommandArgv(ac, &RedisFanout::on_published, pending.get(), 3, argv, lens) == REDIS_OK) {
      pending.release();
      ++counters_.hints_sent;
    } else {
      remember_unsent(user, u.seq, u.epoch);
    }
  }
}

void RedisFanout::subscribe(std::string_view user) {
  apply(subscriptions_.want(user, channel_of(options_.channel_prefix, user)));
}

void RedisFanout::unsubscribe(std::string_view user) {
  apply(subscriptions_.drop(channel_of(options_.channel_prefix, user)));
}

void RedisFanout::subscriber_up() { apply(subscriptions_.link_up()); }

void RedisFanout::subscriber_down() { subscriptions_.link_down(); }

void RedisFanout::apply(SubscriptionActions actions) {
  send_subscription_command("SUBSCRIBE", actions.subscribe);
  send_subscription_command("UNSUBSCRIBE", actions.unsubscribe);
  for (const auto& user : actions.subscribed) {
    if (closing_) return;
    sink_.on_subscribed(user);
  }
  if (actions.link_restored && !closing_) {
    ++counters_.links_restored;
    sink_.on_link_restored();
  }
}

void RedisFanout::send_subscription_command(const char* command, const std::vector<std::string>& channels) {
  redisAsyncContext* ac = subscriber_.context();
  if (!ac || channels.empty()) return;  // down: link_up() subscribes again
  for (std::size_t first = 0; first < channels.size(); first += kChannelsPerCommand) {
    const std::size_t n = std::min(kChannelsPerCommand, channels.size() - first);
    std::vector<const char*> argv{command};
    std::vector<std::size_t> lens{std::char_traits<char>::length(command)};
    for (std::size_t i = first; i < first + n; ++i) {
      argv.push_back(channels[i].data());
      lens.push_back(channels[i].size());
    }
    // Every reply of a subscribed channel (confirmations, messages) reaches
    // on_subscriber_reply; UNSUBSCRIBE's replies go to the channel's callback.
    if (redisAsyncCommandArgv(ac, &RedisFanout::on_subscriber_reply, this, static_cast<int>(argv.size()),
                              argv.data(), lens.data()) != REDIS_OK) {
      return;  // the context is failing: its loss and link_up() subscribe everything again
    }
  }
}

void RedisFanout::on_subscriber_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto& self = *static_cast<RedisFanout*>(privdata);
  auto* r = static_cast<redisReply*>(reply);
  if (self.closing_ || !r) return;  // null: the link is going; subscriber_down follows
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const std::string_view kind = text_of(r->element[0]);
  const std::string channel(text_of(r->element[1]));
  if (kind == "message") return self.on_message(channel, text_of(r->element[2]));
  if (kind == "subscribe") return self.apply(self.subscriptions_.on_subscribe_reply(channel));
  if (kind == "unsubscribe") return self.apply(self.subscriptions_.on_unsubscribe_reply(channel));
}

void RedisFanout::on_message(std::string_view channel, std::string_view payload) {
  ++counters_.received;
  const std::string* wanted = subscriptions_.user_of(std::string(channel));
  if (!wanted) {
    ++counters_.dropped_unsubscribed;
    return;
  }
  auto m = decode_message(payload, options_.max_message_bytes);
  if (!m) {
    if (m.error() == MessageError::too_large) {
      ++counters_.dropped_oversized;
    } else {
      ++counters_.dropped_garbled;
    }
    return;
  }
  if (m->origin == options_.node_id) {
    ++counters_.own_ignored;
    return;
  }
  EncodedFrame frame;
  if (m->kind != FrameKind::hint) {
    frame.bytes = std::make_shared<const std::string>(m->frame);  // the one copy out of hiredis' buffer
    frame.binary = m->kind == FrameKind::binary;
  }
  const std::string user = *wanted;  // the sink may unsubscribe it
  ++counters_.delivered;
  sink_.on_delivery(Delivery{user, m->seq, m->epoch, std::move(frame), false});
}

FanoutStatus RedisFanout::status() const {
  FanoutStatus s = counters_;
  s.publisher = publisher_.status();
  if (s.publisher.last_error.empty()) s.publisher.last_error = last_publish_error_;
  s.subscriber = subscriber_.status();
  s.up = s.publisher.up && s.subscriber.up;
  s.subscribed_users = subscriptions_.wanted();
  return s;
}

}  // namespace scansync::fanout
