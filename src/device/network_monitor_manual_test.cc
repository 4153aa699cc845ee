// ManualNetworkMonitor beyond the shared contract: calls from several
// threads and from inside the handler.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "network_monitor_test_netns.h"
#include "scansync/device/network_monitor.h"

namespace scansync::device {
namespace {

TEST(ManualNetworkMonitor, InitialStateIsTheConstructorsUntilSet) {
  ManualNetworkMonitor m;  // online unless told otherwise: the client tries
  test::Recorder rec;
  m.start(rec.handler());
  EXPECT_EQ(rec.calls(), (std::vector<bool>{true}));
  m.set_online(true);
  EXPECT_EQ(rec.calls(), (std::vector<bool>{true}));
}

TEST(ManualNetworkMonitor, SetBeforeStartIsTheInitialCall) {
  ManualNetworkMonitor m;
  m.set_online(false);
  m.set_online(true);
  m.set_online(false);
  test::Recorder rec;
  m.start(rec.handler());
  EXPECT_EQ(rec.calls(), (std::vector<bool>{false}));
}

TEST(ManualNetworkMonitor, SetFromInsideTheHandlerIsDeliveredAfterItReturns) {
  ManualNetworkMonitor m(false);
  std::vector<bool> calls;
  int depth = 0;
  bool nested = false;
  m.start([&](bool online) {
    if (++depth > 1) nested = true;
    calls.push_back(online);
    if (calls.size() == 1) m.set_online(true);
    if (calls.size() == 2) m.set_online(false);
    --depth;
  });
  EXPECT_FALSE(nested);
  EXPECT_EQ(calls, (std::vector<bool>{false, true, false}));
  EXPECT_FALSE(m.online());
}

TEST(ManualNetworkMonitor, ManyThreadsNeverOverlapOrRepeat) {
  ManualNetworkMonitor m(false);
  test::Recorder rec;
  m.start(rec.handler());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 2000; ++i) m.set_online(((i + t) % 2) == 0);
    });
  }
  for (auto& t : threads) t.join();
  m.set_online(true);
  m.stop();
  const auto calls = rec.calls();
  EXPECT_FALSE(rec.overlapped());
  ASSERT_FALSE(calls.empty());
  EXPECT_FALSE(calls.front());
  for (std::size_t i = 1; i < calls.size(); ++i) ASSERT_NE(calls[i], calls[i - 1]) << "repeat at " << i;
  EXPECT_TRUE(calls.back());
  EXPECT_TRUE(m.online());
}

TEST(ManualNetworkMonitor, StopWaitsForACallOnAnotherThread) {
  ManualNetworkMonitor m(false);
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false, returned = false;
  m.start([&](bool online) {
    if (!online) return;
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    returned = true;
  });
  std::thread setter([&] { m.set_online(true); });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return entered; }));
  }
  std::thread stopper([&] {
    m.stop();
    std::lock_guard lock(mu);
    EXPECT_TRUE(returned) << "stop() returned while h was running";
  });
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  setter.join();
}

}  // namespace
}  // namespace scansync::device
