#pragma once
// Test-only: a TransportOpener standing in for an app's own WebSocket
// (OkHttp, URLSession). It records every open and every frame the client
// sends; the test plays the server through the recorded TransportEvents,
// from its own thread. Waits take a deadline.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scansync/client/native_client.h"

namespace scansync::net::testing {

class FakeAppTransports {
 public:
  struct Opened {
    std::string url;
    std::shared_ptr<client::TransportEvents> events;
    std::vector<std::string> sent;
    bool closed = false;
    bool aborted = false;
  };

  client::TransportOpener opener() {
    return [this](const std::string& url, std::shared_ptr<client::TransportEvents> events) {
      std::lock_guard lock(m_);
      const std::size_t index = opens_.size();
      opens_.push_back(Opened{url, std::move(events), {}, false, false});
      cv_.notify_all();
      return std::unique_ptr<client::Transport>(new Socket(*this, index));
    };
  }

  std::size_t opens() {
    std::lock_guard lock(m_);
    return opens_.size();
  }
  Opened get(std::size_t i) {
    std::lock_guard lock(m_);
    return opens_.at(i);
  }
  // Waits until `pred(opens)` holds; false after the deadline.
  bool wait(const std::function<bool(const std::vector<Opened>&)>& pred,
            std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, deadline, [&] { return pred(opens_); });
  }
  // Waits until transport i has sent a frame starting with `prefix`.
  bool wait_sent(std::size_t i, const std::string& prefix) {
    return wait([&](const std::vector<Opened>& o) {
      if (o.size() <= i) return false;
      for (const auto& f : o[i].sent) {
        if (f.rfind(prefix, 0) == 0) return true;
      }
      return false;
    });
  }

 private:
  class Socket : public client::Transport {
   public:
    Socket(FakeAppTransports& owner, std::size_t index) : owner_(owner), index_(index) {}
    void send(std::string frame) override {
      owner_.update(index_, [&](Opened& o) { o.sent.push_back(std::move(frame)); });
    }
    void close() override {
      owner_.update(index_, [](Opened& o) { o.closed = true; });
    }
    void abort() override {
      owner_.update(index_, [](Opened& o) { o.aborted = true; });
    }

   private:
    FakeAppTransports& owner_;
    std::size_t index_;
  };

  template <class F>
  void update(std::size_t i, F f) {
    std::lock_guard lock(m_);
    f(opens_.at(i));
    cv_.notify_all();
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Opened> opens_;
};

}  // namespace scansync::net::testing
