#include "cli/demo_device.h"

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <iterator>

#include "cli/demo_support.h"

namespace scansync::cli {
namespace {

struct Sample {
  const char* code;
  const char* format;
};
constexpr Sample kSamples[] = {
    {"4006381333931", "ean13"},
    {"https://example.com/scansync", "qr"},
    {"SCANSYNC-0001", "code128"},
};

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

Result<std::unique_ptr<DemoDevice>> DemoDevice::open(const std::filesystem::path& dir, const std::string& url,
                                                     const std::string& user, const std::string& secret,
                                                     ScannedListener on_scanned) {
  device::DeviceClientOptions options;
  options.url = url;
  options.tokens = [user, secret] { return mint_token(user, secret); };
  options.db_file = dir / "demo-device.db";
  options.user = user;
  auto made = device::DeviceClient::open(std::move(options));
  if (!made) return made.error();
  auto self = std::unique_ptr<DemoDevice>(new DemoDevice(std::move(*made), std::move(on_scanned)));
  // Subscribed after construction: the listener runs on the client's thread
  // and must see a complete object.
  self->client_->sync().subscribe([raw = self.get()](const device::SyncState& s) {
    std::lock_guard lock(raw->mu_);
    raw->sync_ = s;
    raw->changed_.notify_all();
  });
  return self;
}

DemoDevice::DemoDevice(std::unique_ptr<device::DeviceClient> client, ScannedListener on_scanned)
    : client_(std::move(client)), on_scanned_(std::move(on_scanned)) {}

DemoDevice::~DemoDevice() { close(); }

void DemoDevice::close() {
  if (client_) client_->close();
}

bool DemoDevice::scan_sample() {
  const Sample& sample = kSamples[scanned_++ % std::size(kSamples)];
  if (on_scanned_) on_scanned_(sample.code);
  auto made = client_->scan(sample.code, sample.format);
  if (!made) {
    print_line({{"type", "error"}, {"device", "demo-device"}, {"what", "scan"}, {"message", made.error().message()}});
    say("demo-device could not scan " + std::string(sample.code) + ": " + made.error().message());
    return false;
  }
  print_line({{"type", "scanned"}, {"device", "demo-device"}, {"id", made->id}, {"code", made->code},
              {"format", made->format}});
  return true;
}

bool DemoDevice::wait_sent(std::chrono::seconds limit) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, limit, [&] { return sync_.status == client::Status::connected && sync_.pending == 0; });
}

void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void serve(DemoDevice& device, const std::string& page_link, std::chrono::seconds every) {
  print_line({{"type", "serving"},
              {"page", page_link},
              {"note", "the demo device scans every " + std::to_string(every.count()) + " s; Ctrl-C stops"}});
  if (json_output()) {
    std::fprintf(stderr, "\nscansync demo: open %s in a browser; Ctrl-C stops\n\n", page_link.c_str());
  }
  say("");
  say("the web page: " + page_link);
  say("(open it in a browser: it shows each scan as it arrives; the demo device scans every " +
      std::to_string(every.count()) + " s; Ctrl-C stops)");
  const sigset_t set = stop_signals();
  const timespec wait{static_cast<std::time_t>(every.count()), 0};
  for (;;) {
    const int sig = sigtimedwait(&set, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) {
      print_line({{"type", "stopping"}, {"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      say(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
      return;
    }
    // Timed out: the next scan. (EINTR, another signal's handler: wait on.)
    if (sig < 0 && errno == EAGAIN) device.scan_sample();
  }
}

}  // namespace scansync::cli
