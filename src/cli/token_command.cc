// scansync token: prints a signed HS256 JWT for a user, one line on stdout,
// for the web demo, curl and the CLI clients.
//
//   scansync token --user alice [--ttl 1h] [--data DIR | --jwt-secret-file FILE]
//                  [--iss X] [--aud Y]
//
// The secret is the gateway's: FILE, or DIR/jwt-secret (created, mode 0600,
// if absent; DIR defaults to ./scansync-data like the gateway's).
// Exit codes: 0 printed, 1 the dev secret could not be created, 2 bad
// arguments (missing user, bad TTL, unreadable secret file).
#include <chrono>
#include <iostream>
#include <string>

#include "auth/token_ttl.h"
#include "cli/commands.h"
#include "scansync/auth/jwt.h"

namespace scansync::cli {
namespace {

struct TokenOptions {
  std::string user;
  std::string ttl = "1h";
  std::string data_dir = "./scansync-data";
  std::string secret_file;
  std::string iss;
  std::string aud;
};

int run_token(const TokenOptions& o, bool data_given) {
  if (o.user.empty()) {
    std::cerr << "scansync token: --user is required (the token's sub)\n";
    return 2;
  }
  const auto ttl = auth::parse_ttl_seconds(o.ttl);
  if (!ttl) {
    std::cerr << "scansync token: bad --ttl '" << o.ttl
              << "': use a positive number with a unit s, m, h or d (30s, 15m, 1h, 7d), at most 10 years\n";
    return 2;
  }
  if (data_given && !o.secret_file.empty()) {
    std::cerr << "scansync token: give either --data or --jwt-secret-file, not both\n";
    return 2;
  }

  Result<std::string> secret = std::string();
  if (!o.secret_file.empty()) {
    secret = auth::load_secret_file(o.secret_file);
    if (!secret.ok()) {
      std::cerr << "scansync token: cannot read a secret from " << o.secret_file << " (missing, unreadable or empty)\n";
      return 1;
    }
  } else {
    secret = auth::load_or_create_dev_secret(o.data_dir);
    if (!secret.ok()) {
      std::cerr << "scansync token: cannot read or create " << o.data_dir << "/jwt-secret\n";
      return 1;
    }
  }

  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auth::Claims c;
  c.sub = o.user;
  c.iat = now;
  c.exp = now + *ttl;
  if (!o.iss.empty()) c.iss = o.iss;
  if (!o.aud.empty()) c.aud = o.aud;
  std::cout << auth::sign_hs256(c, *secret) << std::endl;
  return 0;
}

}  // namespace

void register_token(CLI::App& app) {
  auto opts = std::make_shared<TokenOptions>();
  CLI::App* cmd = app.add_subcommand("token", "Print a signed JWT (HS256) for a user, for testing and demos");
  cmd->add_option("--user", opts->user, "User id (the token's sub)");
  cmd->add_option("--ttl", opts->ttl, "Lifetime: 30s, 15m, 1h, 7d (default 1h)");
  CLI::Option* data = cmd->add_option("--data", opts->data_dir, "Data dir holding jwt-secret (default ./scansync-data)");
  cmd->add_option("--jwt-secret-file", opts->secret_file, "File holding the HS256 secret");
  cmd->add_option("--iss", opts->iss, "Issuer claim");
  cmd->add_option("--aud", opts->aud, "Audience claim");
  cmd->callback([opts, data] { set_exit_code(run_token(*opts, data->count() > 0)); });
}

}  // namespace scansync::cli
