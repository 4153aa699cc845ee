// scansync demo: an embedded gateway on a fresh data folder, a "phone" that
// scans and a "watcher" (another of the user's devices) that shows each scan
// as it arrives, including those made while it was offline.
//
// Last, a device with a database of its own (DeviceClient, demo-device.db in
// the data folder) scans a sample code, which the watcher must see too.
//
// It says what happens, one sentence per event ("phone-1 scanned LIVE-1 →
// seq 3, the watcher got it in 4.2 ms"), or with --json prints one JSON line
// per event, and a summary. With --once it then exits:
// 0 when every scan reached the watcher exactly once, 1 otherwise. Without,
// it keeps serving (the demo device scanning every 3 s, the watcher showing
// each scan) and prints a link to the gateway's browser page carrying a
// token ({"type":"serving","page":"http://127.0.0.1:PORT/#token=…"}), until
// SIGINT/SIGTERM: then every client and database is closed and the exit
// code is the summary's.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/demo_device.h"
#include "cli/demo_support.h"
#include "scansync/auth/jwt.h"
#include "scansync/client/native_client.h"
#include "scansync/client/scan_feed.h"
#include "scansync/gateway/gateway.h"

namespace scansync::cli {
namespace {

namespace sc = scansync::client;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct DemoOptions {
  std::string data_dir;  // empty: a fresh temporary folder
  std::uint16_t port = 0;
  int scans = 5;
  int offline_scans = 3;
  bool once = false;  // exit after the scenario (tests, CI)
  bool json = false;  // JSON lines instead of sentences
};

constexpr const char* kPhoneId = "phone-1";

constexpr auto kServeScanEvery = std::chrono::seconds(3);
// The browser page's token: it outlives an afternoon of demo.
constexpr auto kPageTokenTtl = std::chrono::hours(24);

// What the watcher has seen, shared between its strand and the scenario thread.
struct WatcherView {
  std::mutex mu;
  std::condition_variable changed;
  sc::StatusInfo status;
  std::set<std::string> live_ids;
  int created_seen = 0;
  int deleted_seen = 0;
  std::uint64_t duplicates = 0;
  std::map<std::string, SteadyClock::time_point> sent_at;  // by scan id, filled by the phone side
  std::vector<double> latencies_ms;
  // For the sentences only (the JSON lines and the summary stay as they were):
  std::map<std::string, SteadyClock::time_point> device_sent_at;  // by code, the demo device's scans
  std::map<std::string, std::string> codes;                       // id → code, to name what was deleted

  template <class Pred>
  bool wait(Pred pred, std::chrono::seconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu);
    return changed.wait_for(lock, limit, [&] { return pred(); });
  }
};

// The user's phone: scans (scan:create with an ack) and deletes.
class Phone {
 public:
  Phone(sc::NativeClient& client, WatcherView& view) : client_(client), view_(view) {
    client_.on_status([this](const sc::StatusInfo& s) {
      std::lock_guard lock(mu_);
      status_ = s;
      changed_.notify_all();
    });
  }

  bool wait_connected() {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return status_.status == sc::Status::connected; });
  }

  // Emits n scans and waits for their acks.
  // `measure`: record when each was sent, for the watcher's live latency.
  void scan_many(int n, const std::string& label, bool measure) {
    const int target = acked() + n;
    for (int i = 0; i < n; ++i) {
      const std::string id = random_uuid_v4();
      const std::string code = label + "-" + std::to_string(i + 1);
      if (measure) {
        std::lock_guard lock(view_.mu);
        view_.sent_at[id] = SteadyClock::now();
      }
      if (first_id_.empty()) first_id_ = id;
      const json scan = {{"id", id}, {"code", code}, {"format", "qr"}, {"deviceId", kPhoneId}, {"createdAt", rfc3339_now()}};
      client_.emit("scan:create", json::array({scan}).dump(), [this, code, measure](std::error_code ec, const auto& args) {
        const json reply = args.empty() ? json() : json::parse(args.front(), nullptr, false);
        const bool ok = !ec && reply.is_object() && reply.value("ok", false);
        Line line = {{"type", "ack"}, {"device", "phone"}, {"event", "scan:create"}, {"code", code}, {"ok", ok}};
        if (ok) line["seq"] = reply["scan"].value("seq", 0);
        if (ec) line["error"] = ec.message();
        print_line(line);
        // A live scan is told when the watcher gets it; one made while the
        // watcher is offline, now.
        if (!ok) {
          say(std::string(kPhoneId) + " could not scan " + code + ": " + (ec ? ec.message() : reply.dump()));
        } else if (!measure) {
          say(std::string(kPhoneId) + " scanned " + code + " → seq " + std::to_string(reply["scan"].value("seq", 0)) +
              "; the watcher is offline");
        }
        std::lock_guard lock(mu_);
        if (ok) ++acked_;
        changed_.notify_all();
      });
    }
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return acked_ >= target; });
  }

  void remove_first() {
    if (first_id_.empty()) return;
    client_.emit("scan:delete", json::array({{{"id", first_id_}}}).dump(), [](std::error_code ec, const auto& args) {
      const Line reply = ec || args.empty() ? Line(ec.message()) : Line::parse(args.front(), nullptr, false);
      print_line({{"type", "ack"}, {"device", "phone"}, {"event", "scan:delete"}, {"reply", reply}});
      if (!reply.is_object() || !reply.value("ok", false)) say(std::string(kPhoneId) + " could not delete: " + reply.dump());
    });
  }

  int acked() const {
    std::lock_guard lock(mu_);
    return acked_;
  }

 private:
  sc::NativeClient& client_;
  WatcherView& view_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  sc::StatusInfo status_;
  int acked_ = 0;
  std::string first_id_;
};

// The summary for a person. Precondition: view.mu is held.
std::string summary_sentence(bool ok, const DemoOptions& o, int acked, bool device_ok, const WatcherView& view) {
  const int made = o.scans + o.offline_scans;
  if (ok) {
    std::string text = "every scan reached the watcher exactly once: " + std::to_string(o.scans) + " live, " +
                       std::to_string(o.offline_scans) + " while it was offline, 1 from the demo device; 1 delete";
    if (!view.latencies_ms.empty()) {
      std::vector<double> sorted = view.latencies_ms;
      std::sort(sorted.begin(), sorted.end());
      text += "; live: median " + ms_text(sorted[sorted.size() / 2]) + ", slowest " + ms_text(sorted.back());
    }
    return text;
  }
  return "FAILED: the phone's scans acknowledged " + std::to_string(acked) + " of " + std::to_string(made) +
         ", the watcher received " + std::to_string(view.created_seen) + " scans (" +
         std::to_string(view.duplicates) + " twice) and " + std::to_string(view.deleted_seen) +
         " of 1 deletes; the demo device " + (device_ok ? "synced" : "did not sync");
}

int run_demo(const DemoOptions& o) {
  set_output(o.json ? DemoOutput::json_lines : DemoOutput::sentences);
  // Before any thread starts, so that serve() alone receives them.
  if (!o.once) block_stop_signals();
  auto dir = prepare_data_dir(o.data_dir);
  if (!dir) return fail("demo", "data folder: " + dir.error().message());
  auto secret = auth::load_or_create_dev_secret(*dir);
  if (!secret) return fail("demo", "secret: " + secret.error().message());

  // The gateway runs on its own event loop thread, like a separate process would.
  boost::asio::io_context gateway_io;
  gateway::GatewayOptions gw;
  gw.port = o.port;
  gw.data_dir = *dir;
  gw.jwt_secret = *secret;
  auto started = gateway::Gateway::start(gateway_io, gw);
  if (!started) return fail("demo", "gateway: " + started.error().message());
  std::unique_ptr<gateway::Gateway> gateway = std::move(*started);
  auto guard = boost::asio::make_work_guard(gateway_io);
  std::thread gateway_thread([&] { gateway_io.run(); });
  const std::string url = "ws://127.0.0.1:" + std::to_string(gateway->port());
  print_line({{"type", "gateway"}, {"url", url}, {"data", dir->string()}});
  say("gateway: " + url + ", data folder " + dir->string() + (o.data_dir.empty() ? " (removed at the end)" : ""));

  const std::string user = "demo";
  const std::string token = mint_token(user, *secret);
  WatcherView view;
  int exit_code = 1;
  {
    auto watcher = make_client(url, token);
    auto phone = make_client(url, token);
    if (!watcher || !phone) {
      stop_gateway(*gateway, gateway_io, guard, gateway_thread);
      return fail("demo", "client: " + (watcher ? phone.error() : watcher.error()).message());
    }
    sc::NativeClient& w = **watcher;
    // Runs on the watcher's strand only.
    auto feed = std::make_shared<sc::ScanFeed>(
        [&w](std::string_view event, std::string args, sc::AckHandler ack) {
          w.emit(std::string(event), std::move(args), std::move(ack));
        },
        [&view](const sc::ScanChange& c) {
          const json scan = json::parse(c.json, nullptr, false);
          Line line = {{"type", "scan"}, {"device", "watcher"}, {"seq", c.seq}, {"id", c.id}};
          std::lock_guard lock(view.mu);
          const auto now = SteadyClock::now();
          const auto ms_since = [now](SteadyClock::time_point then) {
            return std::chrono::duration<double, std::milli>(now - then).count();
          };
          std::string sentence;
          if (c.op == sc::ScanChange::Op::created) {
            const std::string code = scan.value("code", "");
            line["op"] = "created";
            line["code"] = code;
            ++view.created_seen;
            if (!view.live_ids.insert(c.id).second) ++view.duplicates;
            view.codes[c.id] = code;
            const bool from_phone = scan.value("deviceId", "") == kPhoneId;
            const std::string made = (from_phone ? std::string(kPhoneId) : "demo-device") + " scanned " + code +
                                     (from_phone ? "" : " (" + scan.value("format", "") + ")") + " → seq " +
                                     std::to_string(c.seq);
            if (auto it = view.sent_at.find(c.id); it != view.sent_at.end()) {
              const double ms = ms_since(it->second);
              view.latencies_ms.push_back(ms);
              line["latencyMs"] = round_ms(ms);
              sentence = made + ", the watcher got it in " + ms_text(ms);
            } else if (auto at = view.device_sent_at.find(code); !from_phone && at != view.device_sent_at.end()) {
              sentence = made + ", the watcher got it in " + ms_text(ms_since(at->second));
              view.device_sent_at.erase(at);
            } else {
              sentence = "the watcher caught up on " + code + " (seq " + std::to_string(c.seq) + ", made while it was offline)";
            }
          } else {
            line["op"] = "deleted";
            ++view.deleted_seen;
            view.live_ids.erase(c.id);
            sentence = "the watcher dropped " + view.codes[c.id] + " (seq " + std::to_string(c.seq) + ": deleted on " +
                       kPhoneId + ")";
          }
          print_line(line);
          say(sentence);
          view.changed.notify_all();
        });
    w.on("connect", [feed](const sc::Event&) { feed->catch_up(); });
    for (const char* name : {"scan:created", "scan:deleted"}) {
      w.on(name, [feed](const sc::Event& e) { feed->live(e.name, e.args.empty() ? "null" : e.args.front()); });
    }
    w.on_status([&view](const sc::StatusInfo& s) {
      print_status("watcher", s);
      std::lock_guard lock(view.mu);
      view.status = s;
      view.changed.notify_all();
    });
    (*phone)->on_status([](const sc::StatusInfo& s) { print_status("phone", s, kPhoneId); });

    Phone device(**phone, view);
    w.connect();
    (*phone)->connect();
    const bool ok = view.wait([&] { return view.status.status == sc::Status::connected; }) && device.wait_connected();
    if (ok) {
      step("the phone scans; the watcher shows each scan live");
      device.scan_many(o.scans, "LIVE", true);
      view.wait([&] { return view.created_seen >= o.scans; });

      step("the watcher goes offline; the phone keeps scanning");
      w.set_online(false);
      view.wait([&] { return view.status.reason == sc::DisconnectReason::offline; });
      device.scan_many(o.offline_scans, "OFFLINE", false);

      step("the watcher comes back online and catches up");
      w.set_online(true);
      view.wait([&] { return view.created_seen >= o.scans + o.offline_scans; });

      step("the phone deletes its first scan");
      device.remove_first();
      view.wait([&] { return view.deleted_seen >= 1; });
    }

    int expected = o.scans + o.offline_scans;
    std::unique_ptr<DemoDevice> demo_device;
    bool device_ok = false;
    if (ok) {
      step("a device with its own database scans a sample code");
      auto opened = DemoDevice::open(*dir, url, user, *secret, [&view](const std::string& code) {
        std::lock_guard lock(view.mu);
        view.device_sent_at[code] = SteadyClock::now();
      });
      if (opened) {
        demo_device = std::move(*opened);
        device_ok = demo_device->scan_sample() && demo_device->wait_sent(std::chrono::seconds(10));
        ++expected;
        view.wait([&] { return view.created_seen >= expected; });
      } else {
        print_line({{"type", "error"}, {"device", "demo-device"}, {"message", opened.error().message()}});
        say("demo-device could not start: " + opened.error().message());
      }
    }
    {
      std::lock_guard lock(view.mu);
      const bool all_once = ok && device_ok && view.created_seen == expected && view.duplicates == 0 &&
                            view.deleted_seen == 1 && device.acked() == o.scans + o.offline_scans;
      print_line({{"type", "summary"},
                  {"scansAcked", device.acked()},
                  {"demoDeviceSynced", device_ok},
                  {"receivedByWatcher", view.created_seen},
                  {"deletesReceived", view.deleted_seen},
                  {"duplicates", view.duplicates},
                  {"liveLatencyMs", latency_summary(view.latencies_ms)},
                  {"ok", all_once}});
      say(summary_sentence(all_once, o, device.acked(), device_ok, view));
      exit_code = all_once ? 0 : 1;
    }
    if (!o.once && demo_device) {
      const std::string page = "http://127.0.0.1:" + std::to_string(gateway->port()) +
                               "/#token=" + mint_token(user, *secret, kPageTokenTtl);
      serve(*demo_device, page, kServeScanEvery);
    }
    if (demo_device) demo_device->close();
    // Leaving the scope destroys the clients: sockets closed, no callback afterwards.
  }
  stop_gateway(*gateway, gateway_io, guard, gateway_thread);
  gateway.reset();  // the store closed before its folder goes
  if (o.data_dir.empty()) {
    // A folder of our own making (none was given): leave nothing behind.
    std::error_code ec;
    std::filesystem::remove_all(*dir, ec);
    if (ec) std::fprintf(stderr, "scansync demo: could not remove %s: %s\n", dir->c_str(), ec.message().c_str());
    if (!ec) say("stopped; removed " + dir->string());
  }
  return exit_code;
}

}  // namespace

void register_demo(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand("demo", "Run a gateway and two devices of one user, and show scans flowing");
  cmd->add_option("--data", o->data_dir, "Data folder (default: a fresh temporary folder)");
  cmd->add_option("--port", o->port, "Gateway port (default: a free one)");
  cmd->add_option("--scans", o->scans, "Scans made while both devices are online")->check(CLI::Range(1, 10000));
  cmd->add_option("--offline-scans", o->offline_scans, "Scans made while the watcher is offline")
      ->check(CLI::Range(0, 10000));
  cmd->add_flag("--once", o->once, "Exit after the scenario with the summary's exit code (default: keep serving)");
  cmd->add_flag("--json", o->json, "Print one JSON line per event (for scripts and tests) instead of sentences");
  cmd->callback([o] { set_exit_code(run_demo(*o)); });
}

}  // namespace scansync::cli
