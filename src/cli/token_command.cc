// scansync token: prints a signed HS256 JWT for a user, one line on stdout,
// for the web demo, curl and the CLI clients; or, with --check, verifies one
// as the gateway would and prints its claims.
//
//   scansync token --user alice [--ttl 1h] [--data DIR | --jwt-secret-file FILE]
//                  [--iss X] [--aud Y]
//   scansync token --check TOKEN [--data DIR | --jwt-secret-file FILE]
//                  [--iss X] [--aud Y] [--max-token-ttl 30d]
//
// The secret is the gateway's: FILE, or DIR/jwt-secret (DIR defaults to
// ./scansync-data like the gateway's). Minting with no DIR/jwt-secret creates
// one (mode 0600) and says so on stderr with its absolute path: a token signed
// with a new secret is accepted only by a gateway started on that folder, and
// a silent new secret is the classic "token_invalid" puzzle. --check never
// creates a secret (every token would fail against a new one).
// Exit codes: 0 printed (--check: the token is valid, claims on stdout);
// 1 the secret could not be read or created, or --check refused the token
// (one line on stderr: "<code>: <why>"); 2 bad arguments.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "auth/token_ttl.h"
#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/token_check.h"
#include "cli/usage.h"
#include "scansync/auth/jwt.h"

namespace scansync::cli {
namespace {

namespace fs = std::filesystem;

struct TokenOptions {
  std::string user;
  std::string ttl = "1h";
  std::string data_dir = "./scansync-data";
  std::string secret_file;
  std::string iss;
  std::string aud;
  std::string check;
  std::string max_token_ttl = "30d";  // the gateway's default
};

std::string absolute_text(const fs::path& p) {
  std::error_code ec;
  auto abs = fs::absolute(p, ec);
  return (ec ? p : abs.lexically_normal()).string();
}

// Why FILE gave no secret, for the one-line error.
std::string secret_file_problem(const fs::path& file) {
  std::error_code ec;
  const auto st = fs::status(file, ec);
  if (!fs::exists(st)) return "no such file";
  if (fs::is_directory(st)) return "a directory, not a file";
  if (fs::file_size(file, ec) == 0 && !ec) return "empty";
  return "unreadable or holds only whitespace";
}

// The secret to sign or verify with; nullopt after printing why.
std::optional<std::string> resolve_secret(const TokenOptions& o, bool may_create) {
  if (!o.secret_file.empty()) {
    auto secret = auth::load_secret_file(o.secret_file);
    if (!secret) {
      std::cerr << "scansync token: cannot read a secret from --jwt-secret-file " << absolute_text(o.secret_file)
                << ": " << secret_file_problem(o.secret_file) << "\n";
      return std::nullopt;
    }
    return *secret;
  }
  const fs::path file = fs::path(o.data_dir) / "jwt-secret";
  if (!may_create) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      std::cerr << "scansync token: no secret at " << absolute_text(file)
                << " (give --data with the gateway's data folder, or --jwt-secret-file)\n";
      return std::nullopt;
    }
    auto secret = auth::load_secret_file(file);
    if (!secret) {
      std::cerr << "scansync token: cannot read " << absolute_text(file) << ": " << secret_file_problem(file) << "\n";
      return std::nullopt;
    }
    return *secret;
  }
  auto dev = auth::open_dev_secret(o.data_dir);
  if (!dev) {
    std::cerr << "scansync token: cannot read or create " << absolute_text(file) << " ("
              << (fs::exists(file) ? secret_file_problem(file) : "the folder cannot be created or written") << ")\n";
    return std::nullopt;
  }
  if (dev->created) {
    std::cerr << "scansync token: created a new secret " << absolute_text(file)
              << "; only a gateway started with --data " << absolute_text(o.data_dir) << " accepts this token\n";
  }
  return dev->secret;
}

std::int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int run_check(const TokenOptions& o) {
  auth::VerifierOptions v;
  // Both durations passed duration_check when parsed.
  if (o.max_token_ttl != "0") v.max_lifetime_s = auth::parse_ttl_seconds(o.max_token_ttl).value_or(0);
  auto secret = resolve_secret(o, /*may_create=*/false);
  if (!secret) return 1;
  v.secret = *secret;
  if (!o.iss.empty()) v.issuer = o.iss;
  if (!o.aud.empty()) v.audience = o.aud;
  const TokenVerdict verdict = check_token(o.check, v, now_unix_s());
  (verdict.valid ? std::cout : std::cerr) << (verdict.valid ? "" : "scansync token: ") << verdict.line << std::endl;
  return verdict.valid ? 0 : 1;
}

int run_token(const CLI::App& cmd, const TokenOptions& o, bool checking) {
  if (checking) return run_check(o);
  if (o.user.empty()) return usage_error(cmd, "--user is required (the token's sub), or --check TOKEN");
  const auto ttl = auth::parse_ttl_seconds(o.ttl);
  if (!ttl) return usage_error(cmd, "--ttl: '" + o.ttl + "' is not a duration");
  auto secret = resolve_secret(o, /*may_create=*/true);
  if (!secret) return 1;

  const std::int64_t now = now_unix_s();
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
  CLI::App* cmd = app.add_subcommand("token", "Print a signed JWT (HS256) for a user, or --check one");
  CLI::Option* user = cmd->add_option("--user", opts->user, "User id (the token's sub)");
  CLI::Option* ttl = cmd->add_option("--ttl", opts->ttl, "Lifetime: 30s, 15m, 1h, 7d (default 1h)")
                        ->check(duration_check(/*zero_means_no_cap=*/false));
  CLI::Option* data = cmd->add_option(
      "--data", opts->data_dir, "Data dir holding jwt-secret (default ./scansync-data; created, and said so, if absent)");
  CLI::Option* file = cmd->add_option("--jwt-secret-file", opts->secret_file, "File holding the HS256 secret");
  data->excludes(file);
  cmd->add_option("--iss", opts->iss, "Issuer claim (--check: the required issuer)");
  cmd->add_option("--aud", opts->aud, "Audience claim (--check: the required audience)");
  CLI::Option* check = cmd->add_option(
      "--check", opts->check,
      "Verify TOKEN as the gateway does (signature, exp, nbf, iss/aud, lifetime); print its claims as JSON; exit 1 if refused");
  CLI::Option* cap = cmd->add_option("--max-token-ttl", opts->max_token_ttl,
                                     "--check: the longest lifetime accepted, as the gateway's flag (default 30d; 0: no cap)")
                         ->check(duration_check(/*zero_means_no_cap=*/true));
  check->excludes(user)->excludes(ttl);
  cap->needs(check);
  cmd->footer("Exit codes: 0 printed (--check: valid); 1 no secret, or --check refused the token; 2 usage error.");
  cmd->callback([cmd, opts, check] { set_exit_code(run_token(*cmd, *opts, check->count() > 0)); });
}

}  // namespace scansync::cli
