#pragma once
// A real PostgreSQL server for tests: initdb into a fresh folder under /tmp,
// started on a free loopback port, stopped and removed when the test binary
// exits. One per binary (initdb takes seconds); each test takes a fresh
// database of it (new_database). PostgreSQL refuses to run as root: as root
// the server runs as the `postgres` user the Debian package creates, and its
// folder is that user's (under /tmp, whose mode lets it in).
//
// The binaries: $SCANSYNC_PG_BIN, else the newest /usr/lib/postgresql/*/bin.
// Absent → shared() returns nullptr and says why, and the tests skip; present
// but the server does not start → nullptr too, and the tests fail.
//
// Settings for speed, not durability against an OS crash: fsync=off. A
// stopped server (stop(), `-m immediate`: killed, no shutdown) keeps every
// committed transaction, as the OS still holds what it wrote.
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

namespace scansync::postgres::testing {

class PostgresTestServer {
 public:
  // The binary's server, started at the first call. nullptr: it cannot run, `why` says so.
  static PostgresTestServer* shared(std::string& why) {
    static std::string failure;
    static std::unique_ptr<PostgresTestServer> server = [] {
      auto s = std::unique_ptr<PostgresTestServer>(new PostgresTestServer);
      failure = s->setup();
      if (!failure.empty()) s.reset();
      return s;
    }();
    why = failure;
    return server.get();
  }

  // Whether the server binaries are there (when not, tests skip rather than fail).
  static bool binaries_found() { return !find_bin().empty(); }

  ~PostgresTestServer() {
    if (running_) stop();
    std::error_code ec;
    if (!base_.empty()) std::filesystem::remove_all(base_, ec);
  }

  int port() const { return port_; }

  // The name of a new, empty database; "" if it could not be created.
  std::string new_database() {
    const std::string name = "scansync_test_" + std::to_string(++databases_);
    return exec("CREATE DATABASE " + name) ? name : std::string{};
  }
  std::string url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }

  // Runs `sql` (one or more statements) in `database`, blocking (tests
  // only). Returns whether it succeeded; `first` gets the last result's
  // first value, if any.
  bool exec(const std::string& sql, const std::string& database = "postgres", std::string* first = nullptr) const {
    PGconn* c = PQconnectdb(("host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + database).c_str());
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(c, sql.c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
      if (ok && first && PQntuples(r) > 0) *first = PQgetvalue(r, 0, 0);
      PQclear(r);
    }
    PQfinish(c);
    return ok;
  }

  // Kills the server (no shutdown checkpoint) / starts it again on the same port.
  bool stop() {
    running_ = false;
    return run(pg_ctl() + " -m immediate -w stop > /dev/null");
  }
  bool start() {
    running_ = run(pg_ctl() + " -l " + (base_ / "server.log").string() + " -w -t 60 -o \"-p " +
                   std::to_string(port_) + " -k " + base_.string() +
                   " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off\" start > /dev/null");
    return running_;
  }

 private:
  PostgresTestServer() = default;

  std::string setup() {
    bin_ = find_bin();
    if (bin_.empty()) return "PostgreSQL server binaries not found (set SCANSYNC_PG_BIN or install postgresql)";
    as_postgres_ = ::geteuid() == 0;
    if (as_postgres_ && !::getpwnam("postgres")) return "running as root and there is no `postgres` user";
    char tmpl[] = "/tmp/scansync-pg-XXXXXX";
    if (!::mkdtemp(tmpl)) return "cannot create a folder under /tmp";
    base_ = tmpl;
    if (as_postgres_) {
      const passwd* pw = ::getpwnam("postgres");
      if (::chown(tmpl, pw->pw_uid, pw->pw_gid) != 0) return "cannot give the folder to `postgres`";
    }
    if (!run(bin("initdb") + " -D " + data() + " -A trust -U postgres -E UTF8 --locale=C --no-sync > " +
             (base_ / "initdb.log").string() + " 2>&1")) {
      return "initdb failed (see " + (base_ / "initdb.log").string() + ")";
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = free_port();
      if (port_ > 0 && start()) return {};
    }
    return "the PostgreSQL server did not start (see " + (base_ / "server.log").string() + ")";
  }

  static std::string find_bin() {
    if (const char* env = std::getenv("SCANSYNC_PG_BIN"); env && *env) {
      return std::filesystem::exists(std::filesystem::path(env) / "initdb") ? std::string(env) : std::string{};
    }
    std::filesystem::path best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const auto candidate = e.path() / "bin";
      if (std::filesystem::exists(candidate / "initdb") && std::filesystem::exists(candidate / "pg_ctl") &&
          (best.empty() || std::stoi(e.path().filename().string()) > std::stoi(best.parent_path().filename().string()))) {
        best = candidate;
      }
    }
    return best.string();
  }

  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
  }

  std::string bin(const char* tool) const {
    return (as_postgres_ ? "runuser -u postgres -- " : "") + (std::filesystem::path(bin_) / tool).string();
  }
  std::string data() const { return (base_ / "data").string(); }
  std::string pg_ctl() const { return bin("pg_ctl") + " -D " + data(); }
  static bool run(const std::string& command) { return std::system(command.c_str()) == 0; }

  std::string bin_;
  bool as_postgres_ = false;
  std::filesystem::path base_;
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
};

}  // namespace scansync::postgres::testing
