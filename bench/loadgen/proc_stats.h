#pragma once
// Reading another process's CPU time and memory from /proc, and our own.
#include <sys/types.h>

#include <cstdint>

namespace scansync::bench {

// utime + stime of the process (all threads), in seconds; -1 if unreadable.
double process_cpu_seconds(pid_t pid);
// VmRSS of the process in kB; -1 if unreadable.
std::int64_t process_rss_kb(pid_t pid);
// This process's user + system CPU time, in seconds.
double self_cpu_seconds();
// Raises RLIMIT_NOFILE to its hard limit; returns the soft limit now in force.
std::uint64_t raise_fd_limit();

}  // namespace scansync::bench
