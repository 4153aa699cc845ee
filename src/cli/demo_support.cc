#include "cli/demo_support.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <random>

#include <boost/asio/post.hpp>

#include "scansync/auth/jwt.h"

namespace scansync::cli {

namespace {

DemoOutput g_output = DemoOutput::sentences;  // set once, before any thread starts

void write_line(const std::string& text) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

void set_output(DemoOutput output) { g_output = output; }
bool json_output() { return g_output == DemoOutput::json_lines; }

void print_line(const Line& line) {
  if (json_output()) write_line(line.dump());
}

void say(const std::string& text) {
  if (!json_output()) write_line(text);
}

void print_status(const std::string& device, const client::StatusInfo& s, const std::string& spoken) {
  Line line = {{"type", "status"}, {"device", device}, {"status", std::string(client::to_string(s.status))}};
  const std::string& name = spoken.empty() ? device : spoken;
  const std::string reason(client::to_string(s.reason));
  if (s.status == client::Status::reconnecting) {
    line["attempt"] = s.attempt;
    line["delayMs"] = s.next_delay.count();
    say(name + " reconnecting (attempt " + std::to_string(s.attempt) + ", in " +
        std::to_string(s.next_delay.count()) + " ms)");
  }
  if (s.status == client::Status::disconnected) {
    line["reason"] = reason;
    if (s.reason == client::DisconnectReason::offline) {
      say(name + " is offline");
    } else if (s.reason != client::DisconnectReason::none) {
      say(name + " disconnected (" + reason + ")");
    }
  }
  if (s.status == client::Status::connected) say(name + " connected");
  print_line(line);
}

void step(const std::string& what) {
  print_line({{"type", "step"}, {"what", what}});
  say("— " + what);
}

std::string ms_text(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", ms);
  return text;
}

int fail(const std::string& what, const std::string& message) {
  std::fprintf(stderr, "scansync %s: %s\n", what.c_str(), message.c_str());
  return 1;
}

Result<std::filesystem::path> prepare_data_dir(const std::string& dir) {
  std::error_code ec;
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return ec;
    return std::filesystem::path(dir);
  }
  const auto base = std::filesystem::temp_directory_path(ec);
  if (ec) return ec;
  std::string pattern = (base / "scansync-demo-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) return std::error_code(errno, std::generic_category());
  return std::filesystem::path(pattern);
}

std::string mint_token(const std::string& user, const std::string& secret, std::chrono::seconds ttl) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auth::Claims claims;
  claims.sub = user;
  claims.iat = now.count();
  claims.exp = (now + ttl).count();
  return auth::sign_hs256(claims, secret);
}

Result<std::unique_ptr<client::NativeClient>> make_client(const std::string& url, const std::string& token) {
  client::NativeClientOptions options;
  options.url = url;
  options.tokens = [token] { return token; };
  return client::NativeClient::create(std::move(options));
}

void stop_gateway(gateway::Gateway& gateway, boost::asio::io_context& io,
                  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>& guard, std::thread& thread) {
  boost::asio::post(io, [&gateway] { gateway.stop("server shutting down"); });
  guard.reset();  // run() returns once the closing handshakes are done
  thread.join();
}

std::string random_uuid_v4() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t hi = (rng() & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  const std::uint64_t lo = (rng() & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return text;
}

std::string rfc3339_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms));
  return text;
}

double round_ms(double ms) { return std::round(ms * 1000.0) / 1000.0; }

Line latency_summary(std::vector<double> samples_ms) {
  if (samples_ms.empty()) return {{"n", 0}};
  std::sort(samples_ms.begin(), samples_ms.end());
  return {{"n", samples_ms.size()},
          {"p50", round_ms(samples_ms[samples_ms.size() / 2])},
          {"max", round_ms(samples_ms.back())}};
}

}  // namespace scansync::cli
