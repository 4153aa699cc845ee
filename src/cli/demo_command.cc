// Placeholder until its owner lands the real command.
#include "cli/commands.h"

namespace scansync::cli {
void register_demo(CLI::App&) {}
}  // namespace scansync::cli
