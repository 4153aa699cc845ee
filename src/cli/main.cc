// scansync: one binary, one subcommand per job. Each subcommand lives in its
// own file and registers itself here.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"scansync: real-time scan sync (gateway, tools and clients)"};
  app.set_version_flag("--version", "scansync " SCANSYNC_VERSION);
  app.require_subcommand(1);
  scansync::cli::register_watch(app);
  scansync::cli::register_gateway(app);
  scansync::cli::register_token(app);
  scansync::cli::register_demo(app);
  scansync::cli::register_device(app);
  scansync::cli::register_db(app);
  CLI11_PARSE(app, argc, argv);
  return scansync::cli::exit_code();
}
