// scansync: one binary, one subcommand per job. Each subcommand lives in its
// own file and registers itself here.
//
// Exit codes (also in --help and the README): 0 done; 1 the job failed (the
// message on stderr says why); 2 a usage error: one line naming the mistake,
// then the usage; `watch` adds 3 (unauthorized) and 4 (gave up). CLI11's own codes (104 for extras, 106 for a missing
// subcommand, 109 for a bad value, …) never reach the shell.
//
// Options also come from the environment and, for the gateway, a config
// file (config_sources.h), installed once every subcommand is registered.
#include <CLI/CLI.hpp>

#include <string>

#include "cli/commands.h"
#include "cli/config_sources.h"
#include "cli/usage.h"

namespace {

// The deepest subcommand the user named (the one whose usage to show).
const CLI::App& named_command(const CLI::App& app) {
  const CLI::App* at = &app;
  for (;;) {
    auto parsed = at->get_subcommands();
    if (parsed.empty()) return *at;
    at = parsed.front();
  }
}

int report(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App& at = named_command(app);
  std::string message = e.what();
  // A word where a subcommand was expected, that is neither an option nor a
  // subcommand: say so plainly (CLI11 says "A subcommand is required" or
  // "The following arguments were not expected").
  const std::vector<std::string> left = app.remaining(true);
  if (at.get_require_subcommand_min() > 0 && !left.empty() && !left.front().empty() && left.front()[0] != '-') {
    message = "unknown subcommand '" + left.front() + "'";
  }
  return scansync::cli::usage_error(at, message);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"scansync: real-time scan sync (gateway, tools and clients)", "scansync"};
  app.set_version_flag("--version", "scansync " SCANSYNC_VERSION);
  app.footer("Every option can also be set as SCANSYNC_<OPTION> (SCANSYNC_PORT, SCANSYNC_JWT_SECRET_FILE);"
             " the command line wins. gateway also reads --config FILE.\n"
             "Exit codes: 0 done; 1 the job failed (stderr says why); 2 usage error;"
             " watch only: 3 unauthorized, 4 gave up reconnecting.");
  app.require_subcommand(1);
  scansync::cli::register_watch(app);
  scansync::cli::register_gateway(app);
  scansync::cli::register_token(app);
  scansync::cli::register_demo(app);
  scansync::cli::register_device(app);
  scansync::cli::register_db(app);
  scansync::cli::register_api_key(app);
  scansync::cli::install_config_sources(app, {"gateway"});
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version, --print-config: printed, exit 0
  } catch (const CLI::ParseError& e) {
    return report(app, e);
  }
  return scansync::cli::exit_code();
}
