#pragma once
#include <CLI/CLI.hpp>

namespace scansync::cli {
// Each register_* adds a subcommand whose callback runs the job and records
// the process exit code.
void register_watch(CLI::App& app);    // watch_command.cc
void register_gateway(CLI::App& app);  // gateway_command.cc
void register_token(CLI::App& app);    // token_command.cc
void register_demo(CLI::App& app);     // demo_command.cc
void register_device(CLI::App& app);   // device_command.cc
void register_db(CLI::App& app);       // db_command.cc
void register_api_key(CLI::App& app);  // api_key_command.cc

void set_exit_code(int code);
int exit_code();
}  // namespace scansync::cli
