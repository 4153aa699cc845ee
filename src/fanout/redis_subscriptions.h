#pragma once
// The subscriber connection's channels (sans-I/O): which ones the node wants
// (a user with local sockets), which ones Redis has confirmed, and the
// SUBSCRIBE/UNSUBSCRIBE commands that move one towards the other.
//
// Per channel at most one command is in flight. Not only tidy: hiredis 0.14
// drops a channel's callback when an UNSUBSCRIBE's reply arrives, even if a
// SUBSCRIBE was sent after it, and the channel would then go deaf. A user
// who comes back while the UNSUBSCRIBE is in flight is subscribed again
// once its reply is in.
//
// When the link comes up every wanted channel is subscribed again; once
// Redis has confirmed all of them the actions say link_restored (the node
// backfills every user). A channel wanted later reports its user in
// `subscribed` when confirmed (the node backfills that user).
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace scansync::fanout {

struct SubscriptionActions {
  std::vector<std::string> subscribe;    // channels to SUBSCRIBE now
  std::vector<std::string> unsubscribe;  // channels to UNSUBSCRIBE now
  std::vector<std::string> subscribed;   // users whose subscription just came into effect
  bool link_restored = false;
};

class RedisSubscriptions {
 public:
  SubscriptionActions want(std::string_view user, const std::string& channel);
  SubscriptionActions drop(const std::string& channel);
  SubscriptionActions link_up();
  void link_down();
  SubscriptionActions on_subscribe_reply(const std::string& channel);
  SubscriptionActions on_unsubscribe_reply(const std::string& channel);

  // The user a message on `channel` is for; nullptr if not wanted.
  const std::string* user_of(const std::string& channel) const;
  std::size_t wanted() const { return wanted_; }
  bool in_sync() const;  // every wanted channel confirmed, nothing in flight

 private:
  enum class State { idle, subscribing, subscribed, unsubscribing };
  struct Entry {
    std::string user;
    bool wanted = false;
    bool part_of_restore = false;  // subscribed by link_up(): confirmed as a whole
    State state = State::idle;
  };
  void confirm_restore(Entry& e, SubscriptionActions& out);

  std::map<std::string, Entry, std::less<>> channels_;
  bool up_ = false;
  std::size_t restore_pending_ = 0;
  std::size_t wanted_ = 0;
};

}  // namespace scansync::fanout
