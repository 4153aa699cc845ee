#pragma once
// The fan-out of a single node: publish() hands the change to this node's
// sink and that is all (what the in-process rooms did alone). Never down,
// never misses anything, so it never asks for a resync.
#include <set>
#include <string>

#include "fanout/fanout.h"

namespace scansync::fanout {

class LocalFanout final : public Fanout {
 public:
  // `sink` must outlive the fan-out.
  explicit LocalFanout(FanoutSink& sink) : sink_(sink) {}

  void publish(std::string_view user, std::int64_t seq, std::string_view epoch, EncodedFrame frame) override;
  void subscribe(std::string_view user) override;
  void unsubscribe(std::string_view user) override;
  FanoutStatus status() const override;

 private:
  FanoutSink& sink_;
  std::set<std::string, std::less<>> users_;
  std::uint64_t published_ = 0;
};

}  // namespace scansync::fanout
