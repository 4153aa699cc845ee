#pragma once
// A gateway on a free loopback port, run on a thread of its own for one
// test: started from `opts` (port forced to 0), stopped and checked drained
// when it goes. At most 30 s of running: a stuck test cannot hang the suite.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "scansync/gateway/gateway.h"

namespace scansync::gateway::testing {

class RunningGateway {
 public:
  explicit RunningGateway(GatewayOptions opts) {
    opts.port = 0;
    auto started = Gateway::start(io_, std::move(opts));
    if (!started) {
      ADD_FAILURE() << "start: " << started.error().message();
      return;
    }
    gateway_ = std::move(*started);
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(30)); });
  }
  ~RunningGateway() {
    if (!gateway_) return;
    gateway_->stop("test over");
    thread_.join();
    EXPECT_TRUE(gateway_->drained()) << "stop() left connections open";
    gateway_.reset();
  }
  RunningGateway(const RunningGateway&) = delete;
  RunningGateway& operator=(const RunningGateway&) = delete;

  std::uint16_t port() const { return gateway_ ? gateway_->port() : 0; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<Gateway> gateway_;
  std::thread thread_;
};

}  // namespace scansync::gateway::testing
