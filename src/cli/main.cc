// scansync: one binary, one subcommand per job. Each subcommand lives in its
// own file and registers itself here.
//
// Exit codes (also in --help and the README): 0 done; 1 the job failed (the
// message on stderr says why); 2 a usage error: one line naming the mistake,
// then the usage; `watch` adds 3 (unauthorized) and 4 (gave up). CLI11's own codes (104 for extras, 106 for a missing
// subcommand, 109 for a bad value, …) never reach the shell.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cli/commands.h"

namespace {

constexpr int kUsageError = 2;

// The deepest subcommand the user named (the one whose usage to show).
const CLI::App& named_command(const CLI::App& app) {
  const CLI::App* at = &app;
  for (;;) {
    auto parsed = at->get_subcommands();
    if (parsed.empty()) return *at;
    at = parsed.front();
  }
}

std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* p = app.get_parent(); p; p = p->get_parent()) path = p->get_name() + " " + path;
  return path;
}

int usage_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const CLI::App& at = named_command(app);
  std::string message = e.what();
  // A first word that is not an option and not a subcommand: say so plainly
  // (CLI11 would report "The following arguments were not expected").
  if (&at == &app && argc > 1 && argv[1][0] != '-') {
    message = std::string("unknown subcommand '") + argv[1] + "'";
  }
  std::fprintf(stderr, "scansync: %s\n", message.c_str());
  const std::string path = command_path(at);
  if (&at == &app) {
    std::fprintf(stderr, "usage: scansync SUBCOMMAND [OPTIONS]   (subcommands: watch, gateway, token, demo, device, db, api-key;"
                         " scansync --help)\n");
  } else {
    const char* shape = at.get_require_subcommand_min() > 0 ? "SUBCOMMAND [OPTIONS]" : "[OPTIONS]";
    std::fprintf(stderr, "usage: %s %s   (%s --help)\n", path.c_str(), shape, path.c_str());
  }
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"scansync: real-time scan sync (gateway, tools and clients)", "scansync"};
  app.set_version_flag("--version", "scansync " SCANSYNC_VERSION);
  app.footer("Exit codes: 0 done; 1 the job failed (stderr says why); 2 usage error;"
             " watch only: 3 unauthorized, 4 gave up reconnecting.");
  app.require_subcommand(1);
  scansync::cli::register_watch(app);
  scansync::cli::register_gateway(app);
  scansync::cli::register_token(app);
  scansync::cli::register_demo(app);
  scansync::cli::register_device(app);
  scansync::cli::register_db(app);
  scansync::cli::register_api_key(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: printed, exit 0
  } catch (const CLI::ParseError& e) {
    return usage_error(app, e, argc, argv);
  }
  return scansync::cli::exit_code();
}
