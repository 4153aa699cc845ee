#include "web_client.h"

#include <chrono>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "browser_imports.h"
#include "scansync/proto/json_text.h"

namespace scansync::web {

namespace sc = scansync::client;

namespace {

// The browser's clock (performance.now(), ms) as the core's time points.
sc::TimePoint from_ms(double ms) {
  return sc::TimePoint(std::chrono::duration_cast<sc::Clock::duration>(std::chrono::duration<double, std::milli>(ms)));
}
double to_ms(sc::TimePoint t) {
  return std::chrono::duration<double, std::milli>(t.time_since_epoch()).count();
}

class BrowserSocket final : public sc::Transport {
 public:
  BrowserSocket(ClientHandle client, sc::TransportId id) : client_(client), id_(static_cast<double>(id)) {}
  void send(std::string frame) override { ss_send(client_, id_, frame.data(), frame.size()); }
  void close() override { ss_close(client_, id_, 0); }
  void abort() override { ss_close(client_, id_, 1); }

 private:
  ClientHandle client_;
  double id_;
};

}  // namespace

std::string json_array(const std::vector<std::string_view>& args) {
  std::size_t size = 2;
  for (auto a : args) size += a.size() + 1;
  std::string out;
  out.reserve(size);
  out += '[';
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += ',';
    out += args[i];
  }
  out += ']';
  return out;
}

WebClient::WebClient(WebOptions options) {
  const ClientHandle self = handle();
  auto tokens = [self] {
    char* t = ss_token(self);
    std::string token(t ? t : "");
    std::free(t);
    return token;
  };
  driver_ = std::make_unique<sc::ClientDriver>(std::move(options.core), std::move(tokens), *this);
  driver_->on_status([self](const sc::StatusInfo& s) {
    ss_status(self, static_cast<int>(s.status), s.attempt, static_cast<double>(s.next_delay.count()),
              static_cast<int>(s.reason));
  });
  if (options.catch_up) {
    feed_.emplace(
        [this](std::string_view event, std::string args_json, sc::AckHandler ack) {
          driver_->emit(event, args_json, std::move(ack));
        },
        [this](const sc::ScanChange& change) {
          const std::string_view name = change.op == sc::ScanChange::Op::created ? "scan:created" : "scan:deleted";
          const std::string_view arg = change.json == live_arg_ ? live_arg_ : std::string_view(change.json);
          ss_event_arg(handle(), name.data(), name.size(), arg.data(), arg.size());
        },
        options.feed);
    feed_->on_error([this](std::string_view code, std::string_view message) {
      forward("error", "[{\"code\":" + json::quote(code) + ",\"message\":" + json::quote(message) + "}]");
    });
    feed_->on_reset([this](std::string_view epoch) {
      forward("sync:reset", "[{\"epoch\":" + json::quote(epoch) + "}]");
      return true;
    });
  }
  // One subscription for everything: the JS side keeps its own handlers.
  driver_->on("*", [this](const sc::Event& e) {
    const bool scan_event = e.name == "scan:created" || e.name == "scan:deleted";
    if (feed_ && scan_event) {
      if (e.args.empty()) return;
      live_arg_ = e.args.front();
      feed_->live(e.name, e.args.front());
      live_arg_ = {};
      return;
    }
    forward(e.name, e.args);
    if (feed_ && e.name == "connect") feed_->catch_up();
  });
}

WebClient::~WebClient() = default;

void WebClient::emit(std::string_view event, std::string_view args_json, double ack) {
  sc::AckHandler handler;
  if (ack != 0) {
    handler = [self = handle(), ack](std::error_code ec, const std::vector<std::string_view>& reply) {
      const std::string out = json_array(reply);
      ss_ack(self, ack, ec ? ec.value() : 0, out.data(), out.size());
    };
  }
  driver_->emit(event, args_json, std::move(handler));
}

void WebClient::forward(std::string_view name, const std::vector<std::string_view>& args) {
  forward(name, json_array(args));
}

void WebClient::forward(std::string_view name, std::string_view args_json) {
  ss_event(handle(), name.data(), name.size(), args_json.data(), args_json.size());
}

std::unique_ptr<sc::Transport> WebClient::open_transport(std::string_view query, sc::TransportId id) {
  ss_open(handle(), static_cast<double>(id), query.data(), query.size());
  return std::make_unique<BrowserSocket>(handle(), id);
}

void WebClient::arm_timer(sc::TimePoint deadline) { ss_arm_timer(handle(), to_ms(deadline)); }
void WebClient::cancel_timer() { ss_cancel_timer(handle()); }
sc::TimePoint WebClient::now() { return from_ms(ss_now()); }

}  // namespace scansync::web
