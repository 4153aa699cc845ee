// scansync api-key: makes the gateway's server API keys (the file format is
// in src/auth/api_key_file.h; what a key may do, in docs/contract.md).
//
//   scansync api-key new --api-key-file FILE   creates FILE (mode 0600) holding one new key
//   scansync api-key add --api-key-file FILE   adds a new key to FILE (to rotate keys)
//
// The new key is printed alone on stdout, for the backend's secret store.
// One line on stderr names the file with its absolute path and what to do
// next, as `scansync token` does for a new secret: a key the gateway was not
// started with is accepted by no one, and a silent new file is a puzzle.
// `new` never overwrites a file; `add` refuses a file the gateway would
// refuse (permissions, a bad line), saying why.
// Exit codes: 0 a key was made; 1 the file exists (new), does not load
// (add) or cannot be written; 2 bad arguments.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>

#include "auth/api_key_file.h"
#include "cli/commands.h"

namespace scansync::cli {
namespace {

namespace fs = std::filesystem;

std::string absolute_text(const fs::path& p) {
  std::error_code ec;
  auto abs = fs::absolute(p, ec);
  return (ec ? p : abs.lexically_normal()).string();
}

// "# added 2026-12-02T03:20:00Z by scansync api-key new": which key is older
// is what an operator rotating keys needs to see.
std::string added_comment(std::string_view verb) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string("# added ") + when + " by scansync api-key " + std::string(verb);
}

int run_new(const fs::path& file) {
  const std::string where = absolute_text(file);
  auto key = auth::create_api_key_file(file, added_comment("new"));
  if (!key) {
    if (key.error() == auth::api_key_errc::exists) {
      std::cerr << "scansync api-key: " << where << " exists already; nothing changed (to add a key to it: "
                << "scansync api-key add --api-key-file " << where << ")\n";
    } else {
      std::cerr << "scansync api-key: cannot create " << where << ": " << key.error().message()
                << " (does its folder exist, and may this user write there?)\n";
    }
    return 1;
  }
  std::cout << *key << std::endl;
  std::cerr << "scansync api-key: created " << where << " (mode 0600) holding one new key, printed on stdout; "
            << "start the gateway with --api-key-file " << where
            << " and give the key to the backend (Authorization: Bearer <key>, Scansync-User: <user>)\n";
  return 0;
}

int run_add(const fs::path& file) {
  const std::string where = absolute_text(file);
  const auto current = auth::load_api_key_file(file);
  if (current.error) {
    std::cerr << "scansync api-key: cannot add a key to " << where << ": " << current.error.message() << " ("
              << current.detail << ")\n";
    return 1;
  }
  auto key = auth::add_api_key(file, added_comment("add"));
  if (!key) {
    std::cerr << "scansync api-key: cannot add a key to " << where << ": " << key.error().message() << "\n";
    return 1;
  }
  std::cout << *key << std::endl;
  std::cerr << "scansync api-key: added a new key to " << where << " (now " << current.keys.size() + 1
            << " keys), printed on stdout; restart the gateway to accept it, and delete an old key's line once "
               "no backend uses it\n";
  return 0;
}

}  // namespace

void register_api_key(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("api-key", "Make server API keys (REST on behalf of a user, for backends)");
  cmd->require_subcommand(1);
  cmd->footer("Exit codes: 0 a key was made (on stdout); 1 the file exists (new), does not load (add) or cannot be "
              "written; 2 usage error.");
  auto file = std::make_shared<std::string>();
  CLI::App* create = cmd->add_subcommand("new", "Create FILE (mode 0600) holding one new key; never overwrites");
  create->add_option("--api-key-file", *file, "The key file to create (the gateway's --api-key-file)")->required();
  create->callback([file] { set_exit_code(run_new(*file)); });
  CLI::App* add = cmd->add_subcommand("add", "Add a new key to an existing FILE (to rotate keys)");
  add->add_option("--api-key-file", *file, "The key file to add to (the gateway's --api-key-file)")->required();
  add->callback([file] { set_exit_code(run_add(*file)); });
}

}  // namespace scansync::cli
