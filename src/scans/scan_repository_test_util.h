#pragma once
// The engines the repository tests run against, and a synchronous way to
// drive an asynchronous ScanRepository from a test (an io_context run until
// the answer is there, with a deadline; no sleeps).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "postgres/postgres_scan_repository.h"
#include "postgres/postgres_test_server.h"
#include "scans/scan_repository.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"
#include "test_support/temp_dir.h"

namespace scansync::scans::testing {

// Under a loaded machine (two cores, several builds) a PostgreSQL answer can
// take long; the deadlines only bound a test that would otherwise hang.
inline constexpr auto kDeadline = std::chrono::seconds(30);

// Runs `io` until `done()` or the deadline; false at the deadline.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::steady_clock::duration deadline = kDeadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return true;
}

inline std::string describe(const OperationResult& r) {
  if (const auto* e = std::get_if<RepositoryError>(&r)) {
    return "error " + std::string(name_of(e->code)) + ": " + e->detail;
  }
  static const char* kNames[] = {"error", "Created", "Removed", "ChangePage", "LivePage", "Latest"};
  return std::string("result ") + kNames[r.index()];
}

// One storage (a SQLite file, a PostgreSQL database) that repositories open.
class Engine {
 public:
  virtual ~Engine() = default;
  // Empty when the engine can run here; otherwise why not.
  virtual std::string unavailable_reason() { return {}; }
  // Whether not running is a skip (the engine is not installed) rather than a failure.
  virtual bool absent() const { return false; }
  // A fresh, empty storage's name.
  virtual std::string new_storage() = 0;
  // A repository on `storage`; several may be open on one (two "nodes").
  virtual std::unique_ptr<ScanRepository> open(const std::string& storage, RepositoryOptions options,
                                               boost::asio::io_context& io) = 0;
  // Whether the engine is a server that can be stopped and started again.
  virtual bool has_server() const { return false; }
  virtual bool stop_server() { return false; }
  virtual bool start_server() { return false; }
};

class SqliteEngine final : public Engine {
 public:
  std::string new_storage() override { return (dir_ / ("scans-" + std::to_string(++files_) + ".db")).string(); }
  std::unique_ptr<ScanRepository> open(const std::string& storage, RepositoryOptions options,
                                       boost::asio::io_context& io) override {
    auto store = store::ScanStore::open(storage, store::StoreOptions{
                                                     .tombstone_limit = options.tombstone_limit,
                                                     .max_live_scans_per_user = options.max_live_scans_per_user,
                                                     .durability = store::Durability::normal,
                                                     .background_checkpoint = false,
                                                 });
    EXPECT_TRUE(store.ok()) << store.error().message();
    if (!store.ok()) return nullptr;
    return std::make_unique<SqliteScanRepository>(std::move(*store), io.get_executor());
  }

 private:
  test_support::TempDir dir_{"scansync-repo"};
  int files_ = 0;
};

class PostgresEngine final : public Engine {
 public:
  PostgresEngine() { server_ = postgres::testing::PostgresTestServer::shared(why_); }
  std::string unavailable_reason() override { return server_ ? std::string{} : why_; }
  bool absent() const override { return !postgres::testing::PostgresTestServer::binaries_found(); }
  std::string new_storage() override {
    const auto name = server_->new_database();
    return name.empty() ? name : server_->url(name);
  }
  std::unique_ptr<ScanRepository> open(const std::string& storage, RepositoryOptions options,
                                       boost::asio::io_context& io) override {
    postgres::PostgresOptions o;
    o.url = storage;
    o.repository = options;
    o.reconnect_initial = std::chrono::milliseconds(20);
    o.reconnect_max = std::chrono::milliseconds(200);
    auto repo = std::make_unique<postgres::PostgresScanRepository>(io.get_executor(), std::move(o));
    auto* r = repo.get();
    EXPECT_TRUE(run_until(io, [&] { return r->status().available; }))
        << "not connected: " << (r->status().last_error ? r->status().last_error->detail : "");
    return repo;
  }
  bool has_server() const override { return true; }
  bool stop_server() override { return server_->stop(); }
  bool start_server() override { return server_->start(); }
  postgres::testing::PostgresTestServer* server() { return server_; }

 private:
  std::string why_;
  postgres::testing::PostgresTestServer* server_ = nullptr;
};

inline std::unique_ptr<Engine> make_engine(const std::string& name) {
  if (name == "postgresql") return std::make_unique<PostgresEngine>();
  return std::make_unique<SqliteEngine>();
}

// Submits and waits for the answer.
inline BatchResult run_batch(boost::asio::io_context& io, ScanRepository& repo, std::vector<Operation> ops) {
  std::optional<BatchResult> out;
  const std::size_t n = ops.size();
  repo.submit(std::move(ops), [&](BatchResult r) { out = std::move(r); });
  EXPECT_TRUE(run_until(io, [&] { return out.has_value(); })) << "no answer in time";
  if (!out) out.emplace().results.assign(n, RepositoryError{RepositoryErrc::internal, "no answer", {}});
  EXPECT_EQ(out->results.size(), n);
  return std::move(*out);
}

inline NewScan scan(std::string id, std::string code = "4006381333931") {
  return NewScan{std::move(id), std::move(code), "ean13", "dev-1", "2026-11-26T04:46:28.123Z"};
}

}  // namespace scansync::scans::testing
