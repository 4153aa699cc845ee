// End to end: `scansync watch` as a process against the reference server.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "harness/interop_support.h"

namespace scansync::interop {
namespace {

using nlohmann::json;

// The CLI's stdout as JSON lines, waited on with a deadline.
class Watch {
 public:
  explicit Watch(std::vector<std::string> args, bool capture_stderr = false) {
    args.insert(args.begin(), {SCANSYNC_CLI, "watch"});
    std::string error;
    auto child = ChildProcess::spawn(args, {.capture_stderr = capture_stderr}, &error);
    if (!child) throw std::runtime_error(error);
    process_.emplace(std::move(*child));
  }

  std::optional<json> next(Deadline deadline) {
    auto line = process_->read_line(deadline);
    if (!line) return std::nullopt;
    seen_.push_back(*line);
    auto j = json::parse(*line, nullptr, false);
    if (j.is_discarded()) return json{{"type", "unparsed"}, {"line", *line}};
    return j;
  }
  std::optional<json> until(const std::function<bool(const json&)>& match, Deadline deadline) {
    while (auto j = next(deadline)) {
      if (match(*j)) return j;
    }
    return std::nullopt;
  }
  std::optional<std::string> raw_line(Deadline deadline) { return process_->read_line(deadline); }
  ChildProcess& process() { return *process_; }
  std::string transcript() const {
    std::string all;
    for (const auto& l : seen_) all += l + "\n";
    return all;
  }

 private:
  std::optional<ChildProcess> process_;
  std::vector<std::string> seen_;
};

bool status_is(const json& j, const std::string& status) {
  return j.value("type", "") == "status" && j.value("status", "") == status;
}
bool event_with_seq(const json& j, int seq) {
  return j.value("type", "") == "event" && j.contains("data") && j["data"].value("seq", -1) == seq;
}

TEST(WatchCli, PrintsStatusAndLiveEventsAsJsonLinesAndExitsCleanlyOnSigterm) {
  auto server = start_server();
  Watch watch({"--json", "--url", server.http_url(), "--token", mint_jwt({.sub = "alice"})});
  auto connected = watch.until([](const json& j) { return status_is(j, "connected"); }, in(kWait));
  ASSERT_TRUE(connected) << watch.transcript();
  EXPECT_EQ((*connected)["recovered"], false);
  ASSERT_TRUE(server.wait_for_evt("join", in(kWait)));
  // The catch-up (empty here) has been asked for before the live event.
  ASSERT_TRUE(server.wait_for([](const json& l) { return evt_is(l, "received") && l["event"] == "sync:since"; },
                              in(kWait)));

  const json created = scan("0a1b2c3d-0000-4000-8000-000000000001", 1);
  ASSERT_TRUE(server.emit_to("alice", "scan:created", created, in(kWait)));
  auto event = watch.until([](const json& j) { return j.value("type", "") == "event"; }, in(kWait));
  ASSERT_TRUE(event) << watch.transcript();
  EXPECT_EQ((*event)["event"], "scan:created");
  EXPECT_EQ((*event)["data"], created);

  watch.process().signal(SIGTERM);
  EXPECT_EQ(watch.process().wait_exit(in(kWait)), 0);
  auto gone = server.wait_for_evt("disconnect", in(kWait));
  ASSERT_TRUE(gone);
  EXPECT_EQ((*gone)["reason"], "client namespace disconnect");
}

TEST(WatchCli, CatchesUpWithSyncSinceAndShowsEachChangeOnce) {
  auto server = start_server();
  // Two scans exist before the watcher connects (nobody is in the room yet).
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000001", 1), in(kWait)));
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000002", 2), in(kWait)));

  Watch watch({"--json", "--url", server.http_url(), "--token", mint_jwt({.sub = "alice"})});
  ASSERT_TRUE(watch.until([](const json& j) { return event_with_seq(j, 1); }, in(kWait))) << watch.transcript();
  auto second = watch.next(in(kWait));
  ASSERT_TRUE(second);
  EXPECT_TRUE(event_with_seq(*second, 2)) << second->dump();

  // A replay of seq 2 is skipped; seq 3 is the next line.
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000002", 2), in(kWait)));
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000003", 3), in(kWait)));
  auto third = watch.next(in(kWait));
  ASSERT_TRUE(third);
  EXPECT_TRUE(event_with_seq(*third, 3)) << third->dump();
}

TEST(WatchCli, ServerWithoutSyncSinceShowsLiveEventsUpToTheFirstGap) {
  auto server = start_server({.no_sync_since = true});
  // The CLI waits for the sync:since ack up to the ack timeout and holds
  // live events meanwhile. Then it applies them up to the first seq gap and
  // reports sync_failed: applying past a gap would move the cursor over
  // changes it never saw (scansync-sim seed 193).
  Watch watch({"--json", "--url", server.http_url(), "--token", mint_jwt({.sub = "alice"}), "--ack-timeout-ms",
               "1000"});
  ASSERT_TRUE(server.wait_for_evt("join", in(kWait)));
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000001", 1), in(kWait)));
  ASSERT_TRUE(server.emit_to("alice", "scan:created", scan("00000000-0000-4000-8000-000000000007", 7), in(kWait)));
  bool first = false, failed = false, past_gap = false;
  ASSERT_TRUE(watch.until(
      [&](const json& j) {
        first = first || event_with_seq(j, 1);
        past_gap = past_gap || event_with_seq(j, 7);
        failed = failed || (j.value("type", "") == "error" && j.value("code", "") == "sync_failed");
        return first && failed;
      },
      in(kWait)))
      << watch.transcript();
  EXPECT_FALSE(past_gap) << watch.transcript();
}

TEST(WatchCli, HumanReadableOutputWithTokenFile) {
  auto server = start_server();
  const auto path = std::filesystem::temp_directory_path() / ("scansync-token-" + std::to_string(::getpid()));
  {
    std::ofstream(path) << mint_jwt({.sub = "alice"}) << "\n";
  }
  Watch watch({"--url", server.http_url(), "--token-file", path.string()});
  std::optional<std::string> line;
  while ((line = watch.raw_line(in(kWait)))) {
    if (line->rfind("status: connected", 0) == 0) break;
  }
  std::filesystem::remove(path);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "status: connected");
  ASSERT_TRUE(server.wait_for_evt("join", in(kWait)));
  watch.process().signal(SIGINT);
  EXPECT_EQ(watch.process().wait_exit(in(kWait)), 0);
}

TEST(WatchCli, WrongTokenPrintsUnauthorizedAndExits3) {
  auto server = start_server();
  Watch watch({"--json", "--url", server.http_url(), "--token", mint_jwt({.sub = "alice"}, "wrong-secret")});
  auto status = watch.until([](const json& j) { return status_is(j, "disconnected"); }, in(kWait));
  ASSERT_TRUE(status) << watch.transcript();
  EXPECT_EQ((*status)["reason"], "unauthorized");
  auto error = watch.until([](const json& j) { return j.value("type", "") == "error"; }, in(kWait));
  ASSERT_TRUE(error) << watch.transcript();
  EXPECT_EQ((*error)["code"], "token_invalid");
  EXPECT_EQ(watch.process().wait_exit(in(kWait)), 3);
}

TEST(WatchCli, BadUrlExits2WithAMessage) {
  Watch watch({"--json", "--url", "localhost:3000", "--token", "t"}, /*capture_stderr=*/true);
  EXPECT_NE(watch.process().read_stderr(in(kWait)).find("bad URL"), std::string::npos);
  EXPECT_EQ(watch.process().wait_exit(in(kWait)), 2);
}

TEST(WatchCli, MissingTokenExits2) {
  Watch watch({"--url", "ws://127.0.0.1:1"}, /*capture_stderr=*/true);
  EXPECT_NE(watch.process().read_stderr(in(kWait)).find("--token"), std::string::npos);
  EXPECT_EQ(watch.process().wait_exit(in(kWait)), 2);
}

TEST(WatchCli, GivesUpAfterMaxAttemptsAndExits4) {
  // A port nobody listens on: the server is started and killed.
  std::uint16_t port = 0;
  {
    auto server = start_server();
    port = server.port();
    server.kill();
  }
  Watch watch({"--json", "--url", "ws://127.0.0.1:" + std::to_string(port), "--token", mint_jwt({}),
               "--max-attempts", "2", "--backoff-initial-ms", "20"});
  auto first = watch.until([](const json& j) { return status_is(j, "reconnecting"); }, in(kWait));
  ASSERT_TRUE(first) << watch.transcript();
  EXPECT_EQ((*first)["attempt"], 1);
  EXPECT_EQ((*first)["delayMs"], 20);
  auto last = watch.until([](const json& j) { return status_is(j, "disconnected"); }, in(kWait));
  ASSERT_TRUE(last) << watch.transcript();
  EXPECT_EQ((*last)["reason"], "gave_up");
  EXPECT_EQ(watch.process().wait_exit(in(kWait)), 4);
}

}  // namespace
}  // namespace scansync::interop
