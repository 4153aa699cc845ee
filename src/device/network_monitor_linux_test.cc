// LinuxNetworkMonitor against a real kernel, in a network namespace the test
// makes (test::Netns): links, carrier, admin state, IPv6, and a burst that
// overruns a tiny socket buffer. Skipped, with the reason, where a namespace
// or a veth pair cannot be made.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "network_monitor_test_netns.h"
#include "scansync/device/network_monitor.h"

namespace scansync::device {
namespace {

using test::Recorder;

class LinuxNetworkMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ns_.skip_reason().empty()) GTEST_SKIP() << ns_.skip_reason();
    const auto veth = ns_.ip("link add v0 type veth peer name v1");
    if (veth.status != 0) GTEST_SKIP() << "cannot create a veth pair in the namespace: " << veth.text;
  }
  void TearDown() override {
    if (monitor_) monitor_->stop();
    EXPECT_FALSE(rec_.overlapped());
    monitor_.reset();
  }
  void start(LinuxNetworkMonitor::Options options = {}) {
    auto m = LinuxNetworkMonitor::create(options);
    ASSERT_TRUE(m.ok()) << m.error().message();
    monitor_ = std::move(*m);
    monitor_->start(rec_.handler());
  }
  // Brings v0 (and its peer, for carrier) up with an IPv4 address.
  void wire() {
    ns_.must("link set v1 up");
    ns_.must("link set v0 up");
    ns_.must("addr add 10.9.0.2/24 dev v0");
  }

  test::Netns ns_;
  Recorder rec_;
  std::unique_ptr<LinuxNetworkMonitor> monitor_;
};

TEST_F(LinuxNetworkMonitorTest, LoopbackWithADefaultRouteIsStillOffline) {
  ns_.must("link set lo up");
  ns_.must("route add default dev lo");
  start();
  EXPECT_EQ(rec_.nth(1), false);
}

TEST_F(LinuxNetworkMonitorTest, RouteAddedThenDeleted) {
  wire();
  start();
  ASSERT_EQ(rec_.nth(1), false) << "no default route yet";
  ns_.must("route add default via 10.9.0.1 dev v0");
  EXPECT_EQ(rec_.nth(2), true);
  ns_.must("route del default via 10.9.0.1 dev v0");
  EXPECT_EQ(rec_.nth(3), false);
  EXPECT_FALSE(monitor_->last_error());
}

TEST_F(LinuxNetworkMonitorTest, AlreadyOnlineAtStart) {
  wire();
  ns_.must("route add default via 10.9.0.1 dev v0");
  start();
  EXPECT_EQ(rec_.nth(1), true);
}

TEST_F(LinuxNetworkMonitorTest, CarrierLossAndReturn) {
  wire();
  ns_.must("route add default via 10.9.0.1 dev v0");
  start();
  ASSERT_EQ(rec_.nth(1), true);
  ns_.must("link set v1 down");  // v0 stays admin-up but loses its carrier
  EXPECT_EQ(rec_.nth(2), false);
  ns_.must("link set v1 up");  // the kernel kept the route (flagged linkdown)
  EXPECT_EQ(rec_.nth(3), true);
}

TEST_F(LinuxNetworkMonitorTest, AdminDownFlushesTheRouteSilently) {
  wire();
  ns_.must("route add default via 10.9.0.1 dev v0");
  start();
  ASSERT_EQ(rec_.nth(1), true);
  ns_.must("link set v0 down");
  EXPECT_EQ(rec_.nth(2), false);
  ns_.must("link set v0 up");
  // The IPv4 default route is gone now (no RTM_DELROUTE was sent). Adding a
  // route back must be what brings us online: had the monitor kept the stale
  // route, "up" alone would have, and the route add would be a repeat.
  ns_.must("route add default via 10.9.0.1 dev v0");
  EXPECT_EQ(rec_.nth(3), true);
  ns_.must("route del default");
  EXPECT_EQ(rec_.nth(4), false);
  EXPECT_EQ(rec_.calls(), (std::vector<bool>{true, false, true, false}));
}

TEST_F(LinuxNetworkMonitorTest, IPv6DefaultRoute) {
  wire();
  ns_.must("-6 addr add 2001:db8::2/64 dev v0 nodad");
  start();
  ASSERT_EQ(rec_.nth(1), false);
  ns_.must("-6 route add default via 2001:db8::1 dev v0");
  EXPECT_EQ(rec_.nth(2), true);
  ns_.must("-6 route del default via 2001:db8::1 dev v0");
  EXPECT_EQ(rec_.nth(3), false);
}

TEST_F(LinuxNetworkMonitorTest, DeletingTheLinkGoesOffline) {
  wire();
  ns_.must("route add default via 10.9.0.1 dev v0");
  start();
  ASSERT_EQ(rec_.nth(1), true);
  ns_.must("link del v0");
  EXPECT_EQ(rec_.nth(2), false);
}

TEST_F(LinuxNetworkMonitorTest, OverrunOfATinyBufferIsRecoveredByARedump) {
  wire();
  auto m = LinuxNetworkMonitor::create({.receive_buffer_bytes = 1});  // the kernel's minimum: ~2 KiB
  ASSERT_TRUE(m.ok()) << m.error().message();
  monitor_ = std::move(*m);
  // The first call holds the monitor's thread until released, so nothing
  // reads the socket while a burst of notifications overflows it.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  monitor_->start([&](bool online) {
    rec_(online);
    if (rec_.calls().size() != 1) return;
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
  });
  ASSERT_EQ(rec_.nth(1), false);
  std::string batch;
  for (int i = 0; i < 40; ++i) batch += "link add b" + std::to_string(i) + " type veth peer name c" + std::to_string(i) + "\n";
  const std::string path = ::testing::TempDir() + "/scansync_netmon_batch_" + std::to_string(::getpid());
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_TRUE(f);
  std::fputs(batch.c_str(), f);
  std::fclose(f);
  ns_.must("-batch " + path);
  std::remove(path.c_str());
  ns_.must("route add default via 10.9.0.1 dev v0");  // lost in the overflow, found by the re-dump
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  EXPECT_EQ(rec_.nth(2), true);
  EXPECT_GE(monitor_->overruns(), 1u);
  ns_.must("route del default");
  EXPECT_EQ(rec_.nth(3), false);
  EXPECT_EQ(rec_.calls(), (std::vector<bool>{false, true, false}));
  EXPECT_FALSE(monitor_->last_error());
}

}  // namespace
}  // namespace scansync::device
