#pragma once
// Where an option's value comes from besides the command line: the
// environment for every option of every command (SCANSYNC_<NAME>,
// option_env.h), and a configuration file for the commands that take one
// (--config FILE, config_file.h: every option by its long name).
//
// Precedence: command line > environment > config file > the option's
// default. A value from a lower source is also left out where it would
// conflict with one from a higher source (an option that excludes one set
// higher up: SCANSYNC_DATA does not break `token --jwt-secret-file F`).
// Within one source a conflict is the usual usage error.
//
// `--print-config` prints the merged result as a config file that --config
// reads back to the same values, defaults as comments, each value's source
// in a comment, secrets masked (secret_mask.h); then exits 0. A masked value
// read back is refused: the secret must be put back.
//
// Every problem is a usage error (exit 2) that names its source: the
// variable, or the file and line with the key; then why. A value overridden
// by a higher source is checked for its key and shape, not converted.
//
// Not read from the environment: --help, --print-config (an action, not a
// setting) and positional arguments.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace scansync::cli {

// Call once, after every subcommand has defined its options and before
// parsing. The top-level subcommands named in `with_config_file` get
// --config FILE and --print-config.
void install_config_sources(CLI::App& app, const std::vector<std::string>& with_config_file);

}  // namespace scansync::cli
