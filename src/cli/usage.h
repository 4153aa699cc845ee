#pragma once
// How every usage error of every scansync command reads: exit code 2, one
// line naming the mistake, then the command's usage line, both on stderr:
//
//   scansync token: --user is required (the token's sub), or --check TOKEN
//   usage: scansync token [OPTIONS]   (scansync token --help)
//
// CLI11's own parse errors and a command's later checks (main.cc, the
// *_command.cc callbacks) both come through here.
#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace scansync::cli {

inline constexpr int kUsageError = 2;

// "scansync db new-epoch": the names from the top to `command`.
std::string command_path(const CLI::App& command);
// Prints `message` (made one line) and `command`'s usage; returns kUsageError.
int usage_error(const CLI::App& command, std::string_view message);

}  // namespace scansync::cli
