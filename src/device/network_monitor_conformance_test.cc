// The NetworkMonitor contract (see network_monitor.h), run against every
// implementation: ManualNetworkMonitor driven by set_online(), and
// LinuxNetworkMonitor in a fresh network namespace driven by adding and
// deleting a default route.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "network_monitor_test_netns.h"
#include "scansync/device/network_monitor.h"

namespace scansync::device {
namespace {

using test::Recorder;

// One implementation under test, starting offline.
class Subject {
 public:
  virtual ~Subject() = default;
  virtual std::string skip_reason() { return {}; }
  virtual NetworkMonitor& monitor() = 0;
  virtual void go(bool online) = 0;  // change the world
  virtual void again() = 0;          // say the same again (stays online)
};

class ManualSubject : public Subject {
 public:
  NetworkMonitor& monitor() override { return m_; }
  void go(bool online) override { m_.set_online(online); }
  void again() override { m_.set_online(true); }

 private:
  ManualNetworkMonitor m_{false};
};

class LinuxSubject : public Subject {
 public:
  LinuxSubject() {
    if (!ns_.skip_reason().empty()) return;
    const auto veth = ns_.ip("link add v0 type veth peer name v1");
    if (veth.status != 0) {
      skip_ = "cannot create a veth pair in the namespace: " + veth.text;
      return;
    }
    ns_.must("link set v0 up");
    ns_.must("link set v1 up");
    ns_.must("addr add 10.9.0.2/24 dev v0");
    auto m = LinuxNetworkMonitor::create();
    if (!m) {
      skip_ = "cannot open a netlink socket: " + m.error().message();
      return;
    }
    m_ = std::move(*m);
  }
  ~LinuxSubject() override { m_.reset(); }  // before the namespace goes
  std::string skip_reason() override { return ns_.skip_reason().empty() ? skip_ : ns_.skip_reason(); }
  NetworkMonitor& monitor() override { return *m_; }
  void go(bool online) override {
    if (online) {
      ns_.must("route add default via 10.9.0.1 dev v0");
    } else {
      ns_.must("-4 route flush exact 0.0.0.0/0");
    }
  }
  void again() override { ns_.must("route add default via 10.9.0.1 dev v0 metric 50"); }

 private:
  test::Netns ns_;  // first in, last out
  std::string skip_;
  std::unique_ptr<LinuxNetworkMonitor> m_;
};

using Factory = std::function<std::unique_ptr<Subject>()>;

class NetworkMonitorContract : public ::testing::TestWithParam<std::pair<const char*, Factory>> {
 protected:
  void SetUp() override {
    subject_ = GetParam().second();
    if (auto why = subject_->skip_reason(); !why.empty()) GTEST_SKIP() << why;
  }
  void TearDown() override {
    for (auto* r : {&a_, &b_}) EXPECT_FALSE(r->overlapped());
    subject_.reset();
  }
  NetworkMonitor& m() { return subject_->monitor(); }

  std::unique_ptr<Subject> subject_;
  Recorder a_, b_;
};

TEST_P(NetworkMonitorContract, InitialCallThenOnlyChanges) {
  EXPECT_FALSE(m().online());
  m().start(a_.handler());
  EXPECT_EQ(a_.nth(1), false);
  subject_->go(true);
  EXPECT_EQ(a_.nth(2), true);
  EXPECT_TRUE(m().online());
  subject_->again();  // no call
  subject_->go(false);
  EXPECT_EQ(a_.nth(3), false) << "a repeat of online would show here";
  EXPECT_FALSE(m().online());
  subject_->go(true);
  EXPECT_EQ(a_.nth(4), true);
  m().stop();
  EXPECT_EQ(a_.calls(), (std::vector<bool>{false, true, false, true}));
}

TEST_P(NetworkMonitorContract, StopIsIdempotentAndRestartReportsAfresh) {
  m().start(a_.handler());
  ASSERT_EQ(a_.nth(1), false);
  m().stop();
  m().stop();
  subject_->go(true);  // while stopped: nobody is told
  m().start(b_.handler());
  EXPECT_EQ(b_.nth(1), true);
  m().stop();
  EXPECT_EQ(a_.calls(), (std::vector<bool>{false}));
  EXPECT_EQ(b_.calls(), (std::vector<bool>{true}));
}

TEST_P(NetworkMonitorContract, StartWhileStartedIsIgnored) {
  m().start(a_.handler());
  ASSERT_EQ(a_.nth(1), false);
  m().start(b_.handler());
  subject_->go(true);
  EXPECT_EQ(a_.nth(2), true);
  m().stop();
  EXPECT_TRUE(b_.calls().empty());
}

TEST_P(NetworkMonitorContract, StopFromInsideTheHandler) {
  Recorder& rec = a_;
  m().start([&](bool online) {
    m().stop();  // must neither deadlock nor be called again
    rec(online);
  });
  ASSERT_EQ(a_.nth(1), false);
  subject_->go(true);
  m().start(b_.handler());  // joins what is left of the first start
  EXPECT_EQ(b_.nth(1), true);
  m().stop();
  EXPECT_EQ(a_.calls(), (std::vector<bool>{false}));
}

TEST_P(NetworkMonitorContract, DestructorStops) {
  m().start(a_.handler());
  ASSERT_EQ(a_.nth(1), false);
  subject_.reset();
  EXPECT_EQ(a_.calls(), (std::vector<bool>{false}));
}

INSTANTIATE_TEST_SUITE_P(
    All, NetworkMonitorContract,
    ::testing::Values(std::make_pair("Manual", Factory([] { return std::unique_ptr<Subject>(new ManualSubject); })),
                      std::make_pair("Linux", Factory([] { return std::unique_ptr<Subject>(new LinuxSubject); }))),
    [](const auto& info) { return std::string(info.param.first); });

}  // namespace
}  // namespace scansync::device
