#include "gateway/host_facts.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace scansync::gateway {

std::optional<double> process_start_time_seconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text;
  if (!std::getline(stat, text)) return std::nullopt;
  // Field 2 (comm) is in parentheses and may hold spaces: count from its end.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  // Fields 3.. follow; starttime is field 22.
  for (int i = 3; i < 22; ++i) rest >> field;
  unsigned long long start_ticks = 0;
  if (!(rest >> start_ticks)) return std::nullopt;
  std::ifstream boot("/proc/stat");
  std::string key;
  long long btime = -1;
  while (boot >> key) {
    if (key == "btime") {
      boot >> btime;
      break;
    }
    boot.ignore(1 << 20, '\n');
  }
  const long ticks = sysconf(_SC_CLK_TCK);
  if (btime < 0 || ticks <= 0) return std::nullopt;
  return static_cast<double>(btime) + static_cast<double>(start_ticks) / static_cast<double>(ticks);
}

std::optional<std::uint64_t> resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  unsigned long long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return std::nullopt;
  const long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) return std::nullopt;
  return resident * static_cast<std::uint64_t>(page);
}

std::optional<std::uint64_t> available_bytes(const std::filesystem::path& folder) {
  struct statvfs fs{};
  if (folder.empty() || ::statvfs(folder.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(fs.f_bavail) * static_cast<std::uint64_t>(fs.f_frsize);
}

}  // namespace scansync::gateway
