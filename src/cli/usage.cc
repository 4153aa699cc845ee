#include "cli/usage.h"

#include <cstdio>

namespace scansync::cli {

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* p = command.get_parent(); p; p = p->get_parent()) path = p->get_name() + " " + path;
  return path;
}

int usage_error(const CLI::App& command, std::string_view message) {
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  const std::string path = command_path(command);
  std::fprintf(stderr, "%s: %s\n", path.c_str(), line.c_str());
  if (command.get_parent() == nullptr) {
    std::string names;
    for (const CLI::App* sub : command.get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); })) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    std::fprintf(stderr, "usage: %s SUBCOMMAND [OPTIONS]   (subcommands: %s; %s --help)\n", path.c_str(),
                 names.c_str(), path.c_str());
  } else {
    const char* shape = command.get_require_subcommand_min() > 0 ? "SUBCOMMAND [OPTIONS]" : "[OPTIONS]";
    std::fprintf(stderr, "usage: %s %s   (%s --help)\n", path.c_str(), shape, path.c_str());
  }
  return kUsageError;
}

}  // namespace scansync::cli
