#pragma once
// PostgresScanRepository: the scans in PostgreSQL, shared by several gateway
// nodes (issue 12). Semantics: scans/scan_repository.h, the same as SQLite's.
//
// The link: one connection (PgConnection), connected, migrated (pg_schema.h)
// and its statements prepared before it serves; available() until it breaks.
// A batch is one pipeline — BEGIN, one statement per operation, COMMIT — so
// a submit costs one round trip. Batches run one at a time, in submit order.
//
// Seq across nodes: every write locks its user's row first (pg_schema.cc),
// so two nodes writing for one user take turns, and seqs stay gapless with
// no id stored twice. A batch's operations are sent ordered by user (stable:
// one user's keep their order; the results come back in submit order), so
// two batches lock their users' rows in the same order and never deadlock.
//
// A write failing on its own inside a batch (a statement error; refusals are
// answers, not errors) aborts PostgreSQL's transaction: the batch is sent
// again without it (ROLLBACK first) and that operation alone is answered
// with the error. Transient SQLSTATEs (pg_errors.h) answer `unavailable`.
//
// Down: while the link is not up, every submit is answered `unavailable` at
// once (posted). When the link breaks with a batch in flight, that batch is
// answered `unavailable` whatever it did: if it broke during COMMIT, the
// writes may have committed, and nothing of it is acked as if they had (a
// client's retry of a create or delete is idempotent by id and answers
// `existing` / the same seq). The repository then reconnects by itself,
// waiting reconnect_initial, doubling to reconnect_max between attempts, and
// serves again with the epoch it reads afresh.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "postgres/pg_connection.h"
#include "scans/scan_repository.h"

namespace scansync::postgres {

struct PostgresOptions {
  std::string url;  // postgresql://user:pw@host:port/db?… or key=value pairs, as libpq takes them
  scans::RepositoryOptions repository;
  ConnectionOptions connection;
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{5000};
  // Called whenever status() changes its availability or last error.
  std::function<void()> on_status_change;
  // The clock of the latency figures; the steady clock by default.
  std::function<std::chrono::steady_clock::time_point()> now;
};

// The wait before reconnect attempt n (1-based): min(initial * 2^(n-1), max).
std::chrono::milliseconds reconnect_delay(int attempt, std::chrono::milliseconds initial,
                                          std::chrono::milliseconds max);

class PostgresScanRepository final : public scans::ScanRepository {
 public:
  // Starts connecting at once; status().available says when it serves.
  PostgresScanRepository(boost::asio::any_io_executor executor, PostgresOptions options);
  ~PostgresScanRepository() override;

  void submit(std::vector<scans::Operation> ops, Done done) override;
  std::string epoch() const override { return epoch_; }
  scans::RepositoryStatus status() const override;

 private:
  enum class Phase { down, connecting, migrating, ready };
  struct Batch;

  void connect();
  void migrate();
  void on_version(PipelineResult r);
  void on_migrated(PipelineResult r);
  void lost(std::error_code cause, const std::string& detail);
  void pump();
  void send(bool rollback_first);
  void on_batch(PipelineResult r);
  void finish();
  void report();
  scans::RepositoryError unavailable() const;

  boost::asio::any_io_executor executor_;
  PostgresOptions options_;
  PgConnection conn_;
  boost::asio::steady_timer retry_timer_;
  Phase phase_ = Phase::down;
  int attempts_ = 0;           // failed connects since the link was last up
  bool was_up_ = false;        // the link has served once (a later success counts as a reconnect)
  std::string epoch_;
  std::deque<std::unique_ptr<Batch>> queue_;
  std::unique_ptr<Batch> in_flight_;
  scans::RepositoryStatus status_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace scansync::postgres
