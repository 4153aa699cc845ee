#include "fanout/local_fanout.h"

namespace scansync::fanout {

void LocalFanout::publish(std::string_view user, std::int64_t seq, std::string_view epoch, EncodedFrame frame) {
  ++published_;
  sink_.on_delivery(Delivery{user, seq, epoch, std::move(frame), /*from_this_node=*/true});
}

void LocalFanout::subscribe(std::string_view user) {
  if (users_.find(user) == users_.end()) users_.emplace(user);
}

void LocalFanout::unsubscribe(std::string_view user) {
  auto it = users_.find(user);
  if (it != users_.end()) users_.erase(it);
}

FanoutStatus LocalFanout::status() const {
  FanoutStatus s;
  s.kind = "local";
  s.up = true;
  s.publisher.up = s.subscriber.up = true;
  s.published = published_;
  s.subscribed_users = users_.size();
  return s;
}

}  // namespace scansync::fanout
