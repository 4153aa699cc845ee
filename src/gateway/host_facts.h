#pragma once
// Facts about this process and its file system, read from the OS for
// /metrics and /readyz (the only reads of /proc and statvfs). Each returns
// nullopt when the OS does not tell (no /proc, a folder that is gone).
#include <cstdint>
#include <filesystem>
#include <optional>

namespace scansync::gateway {

// When this process started, in Unix seconds (/proc/self/stat's starttime
// after /proc/stat's btime).
std::optional<double> process_start_time_seconds();
// Resident set size in bytes (/proc/self/statm, the second field, in pages).
std::optional<std::uint64_t> resident_memory_bytes();
// Bytes an unprivileged writer may still use on the file system of `folder`
// (statvfs: f_bavail × f_frsize).
std::optional<std::uint64_t> available_bytes(const std::filesystem::path& folder);

}  // namespace scansync::gateway
