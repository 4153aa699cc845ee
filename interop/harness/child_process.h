#pragma once
// A child process with pipes to its stdin and stdout, for test peers (the
// Node reference server, the scansync CLI). Reads wait on the pipe with a
// deadline (poll), never by sleeping. The destructor kills and reaps it.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace scansync::interop {

using Deadline = std::chrono::steady_clock::time_point;
inline Deadline in(std::chrono::milliseconds ms) { return std::chrono::steady_clock::now() + ms; }

class ChildProcess {
 public:
  struct Options {
    bool capture_stderr = false;  // else inherited, so peer errors show in the test log
  };
  // argv[0] is a path. Returns nullopt (with a message in `error`) when the spawn fails.
  static std::optional<ChildProcess> spawn(const std::vector<std::string>& argv, Options options, std::string* error);
  static std::optional<ChildProcess> spawn(const std::vector<std::string>& argv, std::string* error = nullptr) {
    return spawn(argv, Options{}, error);
  }

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool write_line(const std::string& line);
  void close_stdin();
  // The next stdout line, or nullopt on EOF or when the deadline passes.
  std::optional<std::string> read_line(Deadline deadline);
  // All of stderr up to EOF (capture_stderr only).
  std::string read_stderr(Deadline deadline);
  void signal(int sig);
  // Waits for the exit (stdout EOF, then reaps). Returns the exit code, or
  // 128 + signal, or nullopt when the deadline passes.
  std::optional<int> wait_exit(Deadline deadline);

 private:
  ChildProcess() = default;
  void reset();

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> exit_code_;
};

}  // namespace scansync::interop
