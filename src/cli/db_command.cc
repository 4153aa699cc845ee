// scansync db: operator's commands on a gateway database that no gateway has open.
//
//   scansync db new-epoch (--data DIR | --db FILE)
//
// new-epoch: after restoring a backup (DIR/scansync.db replaced by an older
// copy), gives the database a new epoch, so that every client sees a
// history reset at its next catch-up: it refetches from 0, and each device
// re-sends its own scans that the restored file lacks (contract "Epoch and
// history resets"). Run it with the gateway stopped: a database open
// elsewhere is refused. Prints one JSON line on stdout,
//   {"type":"new_epoch","db":FILE,"oldEpoch":"…","newEpoch":"…"}
// Exit codes: 0 done; 1 the file is missing, in use, not a scansync gateway
// database (or corrupt), or could not be written, with nothing changed and a
// message on stderr; 2 bad arguments.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/usage.h"
#include "store/new_epoch.h"

namespace scansync::cli {
namespace {

namespace fs = std::filesystem;

struct NewEpochOptions {
  std::string data_dir, db;
};

// The operator's next step, for the errors they can act on.
std::string explain(const std::error_code& ec) {
  if (ec == store::errc::busy) return "the database is open in another process (a running gateway?): stop it first";
  if (ec == store::errc::not_a_database) return "not a scansync gateway database (or corrupt); nothing changed";
  if (ec == store::errc::schema_too_new) return "written by a newer scansync; use that version's command";
  return ec.message();
}

int run_new_epoch(const NewEpochOptions& o) {
  const fs::path file = o.db.empty() ? fs::path(o.data_dir) / "scansync.db" : fs::path(o.db);
  std::error_code fs_error;
  if (!fs::is_regular_file(file, fs_error)) {
    std::fprintf(stderr, "scansync db new-epoch: %s: no such database file\n", file.c_str());
    return 1;
  }
  auto change = store::give_new_epoch(file);
  if (!change.ok()) {
    std::fprintf(stderr, "scansync db new-epoch: %s: %s\n", file.c_str(), explain(change.error()).c_str());
    return 1;
  }
  const nlohmann::json line = {
      {"type", "new_epoch"}, {"db", file.string()}, {"oldEpoch", change->old_epoch}, {"newEpoch", change->new_epoch}};
  std::puts(line.dump().c_str());
  return 0;
}

}  // namespace

void register_db(CLI::App& app) {
  auto* db = app.add_subcommand("db", "Operator's commands on a stopped gateway's database");
  db->require_subcommand(1);
  auto o = std::make_shared<NewEpochOptions>();
  auto* cmd = db->add_subcommand("new-epoch", "After restoring a backup: a new epoch, so that clients resync");
  auto* data = cmd->add_option("--data", o->data_dir, "The gateway's data directory (its scansync.db)");
  auto* file = cmd->add_option("--db", o->db, "The database file itself");
  data->excludes(file);
  file->excludes(data);
  cmd->callback([cmd, o] {
    if (o->data_dir.empty() && o->db.empty()) return set_exit_code(usage_error(*cmd, "--data DIR or --db FILE is required"));
    set_exit_code(run_new_epoch(*o));
  });
}

}  // namespace scansync::cli
