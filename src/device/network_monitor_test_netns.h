#pragma once
// Test support: a fresh network namespace for the calling thread, and a
// recorder of handler calls that tests wait on with deadlines.
//
// Safety: Netns moves only the calling thread (unshare(CLONE_NEWNET)) and
// moves it back in its destructor; `ip` runs through popen from that same
// thread, so it inherits the test namespace, and run() refuses to run a
// command unless the thread is still in the namespace it made. Nothing here
// can touch the host's network. The namespace disappears with its last user
// (this thread, the monitors' sockets): nothing to clean up by name.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace scansync::device::test {

inline ino_t netns_inode() {
  struct stat st{};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return st.st_ino;
}

class Netns {
 public:
  Netns() {
    if (::system("command -v ip >/dev/null 2>&1") != 0) {
      skip_ = "iproute2's ip is not installed";
      return;
    }
    original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    const ino_t before = netns_inode();
    if (original_ < 0 || before == 0) {
      skip_ = std::string("cannot open this thread's network namespace: ") + std::strerror(errno);
      return;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
      skip_ = std::string("unshare(CLONE_NEWNET) failed: ") + std::strerror(errno);
      ::close(original_);
      original_ = -1;
      return;
    }
    inside_ = netns_inode();
    if (inside_ == before) std::abort();  // we must never run ip in the host's namespace
  }
  ~Netns() {
    if (original_ < 0) return;
    if (::setns(original_, CLONE_NEWNET) != 0) std::abort();  // the rest of the suite must see the host
    ::close(original_);
  }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  // Why the namespace could not be made (empty when it was).
  const std::string& skip_reason() const { return skip_; }

  // Runs `ip <args>` inside the namespace; returns its exit status and output.
  struct Output {
    int status;
    std::string text;
  };
  Output ip(const std::string& args) const {
    if (skip_.size() || netns_inode() != inside_) std::abort();
    Output out{-1, {}};
    FILE* p = ::popen(("ip " + args + " 2>&1").c_str(), "r");
    if (!p) return out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out.text += buf;
    out.status = ::pclose(p);
    return out;
  }
  // ip that must succeed (a test failure otherwise).
  bool must(const std::string& args) const {
    const auto o = ip(args);
    EXPECT_EQ(o.status, 0) << "ip " << args << ": " << o.text;
    return o.status == 0;
  }

 private:
  int original_ = -1;
  ino_t inside_ = 0;
  std::string skip_;
};

// Records handler calls; detects overlapping calls.
class Recorder {
 public:
  void operator()(bool online) {
    if (in_call_.exchange(true)) overlapped_ = true;
    {
      std::lock_guard lock(mu_);
      calls_.push_back(online);
    }
    cv_.notify_all();
    in_call_ = false;
  }
  auto handler() {
    return [this](bool online) { (*this)(online); };
  }
  // Waits until there are n calls; false after the deadline.
  bool wait_for(std::size_t n, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return calls_.size() >= n; });
  }
  // Waits for the n-th call and returns its value (nullopt on timeout).
  std::optional<bool> nth(std::size_t n) {
    if (!wait_for(n)) return std::nullopt;
    std::lock_guard lock(mu_);
    return calls_[n - 1];
  }
  std::vector<bool> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  bool overlapped() const { return overlapped_; }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> calls_;
  std::atomic<bool> in_call_{false};
  std::atomic<bool> overlapped_{false};
};

}  // namespace scansync::device::test
