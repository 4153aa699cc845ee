#pragma once
// A real redis-server for one test: started on a free loopback port in a
// temporary folder, without persistence, stopped (SIGKILL: there is nothing
// to save) when the RedisServer goes. kill() and start() again on the same
// port simulate a crash and a restart.
//
// Readiness is an event, not a guess: start() reads the server's log on a
// pipe until "Ready to accept connections" (deadline 10 s); a thread then
// drains the pipe so the server never blocks on its log.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_support/temp_dir.h"

extern char** environ;

namespace scansync::fanout::test {

inline std::optional<std::string> find_redis_server() {
  if (const char* env = std::getenv("SCANSYNC_REDIS_SERVER")) return std::string(env);
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / "redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return std::nullopt;
}

inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

class RedisServer {
 public:
  explicit RedisServer(std::string binary, std::vector<std::string> extra_args = {})
      : binary_(std::move(binary)), extra_args_(std::move(extra_args)), dir_("scansync-redis") {}
  ~RedisServer() { kill(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // On a free port the first time, on the same port afterwards. Returns the
  // log so far on failure ("" on success).
  std::string start() {
    std::string log;
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (port_ < 0 || attempt > 0) {
        if (ever_started_) break;  // a restart keeps its port
        port_ = free_loopback_port();
      }
      log = spawn();
      if (log.empty()) {
        ever_started_ = true;
        return {};
      }
    }
    return log.empty() ? "redis-server did not start" : log;
  }

  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (drain_.joinable()) drain_.join();  // EOF once the server is gone
  }

  int port() const { return port_; }
  bool running() const { return pid_ > 0; }

 private:
  std::string spawn() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
    const std::string port = std::to_string(port_);
    const std::string dir = dir_.path().string();
    std::vector<std::string> args = {binary_, "--port", port, "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no", "--dir", dir, "--daemonize", "no",
                                     "--loglevel", "notice", "--logfile", ""};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      return "posix_spawn failed";
    }
    pid_ = pid;
    std::string log;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool ready = false;
    while (!ready) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // the server exited (port taken …)
      log.append(buf, static_cast<std::size_t>(n));
      ready = log.find("Ready to accept connections") != std::string::npos;
    }
    if (!ready) {
      ::close(fds[0]);
      kill();
      return log.empty() ? "redis-server exited without a word" : log;
    }
    drain_ = std::thread([fd = fds[0]] {
      char buf[4096];
      while (::read(fd, buf, sizeof buf) > 0) {
      }
      ::close(fd);
    });
    return {};
  }

  std::string binary_;
  std::vector<std::string> extra_args_;
  test_support::TempDir dir_;
  int port_ = -1;
  bool ever_started_ = false;
  pid_t pid_ = -1;
  std::thread drain_;
};

}  // namespace scansync::fanout::test
