#include "postgres/postgres_scan_repository.h"

#include <libpq-fe.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <numeric>
#include <utility>

#include "postgres/pg_errors.h"
#include "postgres/pg_scan_sql.h"
#include "postgres/pg_schema.h"

namespace scansync::postgres {

using scans::OperationResult;
using scans::RepositoryErrc;
using scans::RepositoryError;

struct PostgresScanRepository::Batch {
  std::vector<scans::Operation> ops;
  Done done;
  std::vector<std::optional<OperationResult>> results;  // set once an operation is answered
  std::vector<std::size_t> sent;                        // the operations of the attempt in flight, in send order
  bool rolled_back = false;                             // the attempt in flight begins with ROLLBACK
  std::optional<RepositoryError> failure;               // the COMMIT failed: the batch as a whole
  std::chrono::steady_clock::time_point started;
};

std::chrono::milliseconds reconnect_delay(int attempt, std::chrono::milliseconds initial,
                                          std::chrono::milliseconds max) {
  auto d = initial;
  for (int i = 1; i < attempt && d < max; ++i) d *= 2;
  return std::min(d, max);
}

PostgresScanRepository::PostgresScanRepository(boost::asio::any_io_executor executor, PostgresOptions options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      conn_(executor_, options_.connection),
      retry_timer_(executor_) {
  if (!options_.now) options_.now = [] { return std::chrono::steady_clock::now(); };
  status_.engine = "postgresql";
  conn_.set_on_lost([this](const std::string& why) { lost(make_error_code(errc::link_lost), why); });
  connect();
}

PostgresScanRepository::~PostgresScanRepository() {
  alive_.reset();
  retry_timer_.cancel();
}

scans::RepositoryStatus PostgresScanRepository::status() const {
  auto s = status_;
  s.available = phase_ == Phase::ready;
  return s;
}

scans::RepositoryError PostgresScanRepository::unavailable() const {
  std::string detail = "PostgreSQL unavailable";
  if (status_.last_error) detail += ": " + status_.last_error->detail;
  return RepositoryError{RepositoryErrc::unavailable, std::move(detail),
                         status_.last_error ? status_.last_error->cause : make_error_code(errc::link_lost)};
}

void PostgresScanRepository::report() {
  if (options_.on_status_change) options_.on_status_change();
}

void PostgresScanRepository::connect() {
  phase_ = Phase::connecting;
  conn_.connect(options_.url, [this](std::optional<std::string> error) {
    if (error) return lost(make_error_code(errc::connect_failed), *error);
    migrate();
  });
}

void PostgresScanRepository::migrate() {
  phase_ = Phase::migrating;
  // The transaction stays open over two pipelines: the version decides the
  // second. The advisory lock makes nodes that start together take turns.
  conn_.run(
      {
          PgStatement::query("BEGIN"),
          PgStatement::query("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")"),
          PgStatement::query("CREATE TABLE IF NOT EXISTS schema_migrations("
                             "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"),
          PgStatement::query("SELECT coalesce(max(version), 0) FROM schema_migrations"),
      },
      [this](PipelineResult r) { on_version(std::move(r)); });
}

namespace {

// The first statement that did not succeed, if any.
const PgStatementResult* first_failure(const PipelineResult& r) {
  for (const auto& s : r.statements) {
    if (s.state != PgStatementResult::State::ok) return &s;
  }
  return nullptr;
}

std::string failure_text(const PgStatementResult& s) {
  if (s.state == PgStatementResult::State::aborted) return "statement not run";
  return s.sqlstate + " " + s.message;
}

}  // namespace

void PostgresScanRepository::on_version(PipelineResult r) {
  if (r.link_error) return lost(make_error_code(errc::link_lost), *r.link_error);
  if (const auto* f = first_failure(r)) {
    conn_.close("migration failed");
    return lost(make_error_code(errc::statement_failed), "migrating the schema: " + failure_text(*f));
  }
  const auto* rows = r.statements.back().result.get();
  const std::int64_t version = std::strtoll(PQgetvalue(rows, 0, 0), nullptr, 10);
  if (version > kSchemaVersion) {
    conn_.close("schema too new");  // closing rolls the transaction back
    return lost(make_error_code(errc::schema_too_new), schema_too_new_detail(version));
  }
  std::vector<PgStatement> steps;
  for (int to = static_cast<int>(version) + 1; to <= kSchemaVersion; ++to) {
    for (const char* sql : migration_to(to)) steps.push_back(PgStatement::query(sql));
    steps.push_back(PgStatement::query("INSERT INTO schema_migrations(version) VALUES (" + std::to_string(to) + ")"));
  }
  steps.push_back(PgStatement::query("COMMIT"));
  steps.push_back(PgStatement::query("SELECT value FROM meta WHERE key = 'epoch'"));
  for (auto& p : prepare_scan_statements()) steps.push_back(std::move(p));
  conn_.run(std::move(steps), [this](PipelineResult r) { on_migrated(std::move(r)); });
}

void PostgresScanRepository::on_migrated(PipelineResult r) {
  if (r.link_error) return lost(make_error_code(errc::link_lost), *r.link_error);
  if (const auto* f = first_failure(r)) {
    conn_.close("migration failed");
    return lost(make_error_code(errc::statement_failed), "migrating the schema: " + failure_text(*f));
  }
  const std::size_t epoch_at = r.statements.size() - prepare_scan_statements().size() - 1;
  const auto* rows = r.statements[epoch_at].result.get();
  if (PQntuples(rows) != 1) {
    conn_.close("no epoch");
    return lost(make_error_code(errc::bad_answer), "the database has no epoch (meta table)");
  }
  epoch_ = PQgetvalue(rows, 0, 0);
  phase_ = Phase::ready;
  attempts_ = 0;
  if (was_up_) ++status_.reconnects;
  was_up_ = true;
  report();
  pump();
}

void PostgresScanRepository::lost(std::error_code cause, const std::string& detail) {
  phase_ = Phase::down;
  status_.last_error = RepositoryError{RepositoryErrc::unavailable, detail, cause};
  if (conn_.connected()) conn_.close(detail);
  // Everything waiting is answered: the link that would serve it is gone.
  std::vector<std::unique_ptr<Batch>> failed;
  if (in_flight_) failed.push_back(std::move(in_flight_));
  while (!queue_.empty()) {
    failed.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  const RepositoryError error = unavailable();
  for (auto& b : failed) {
    scans::BatchResult result;
    result.results.assign(b->ops.size(), error);
    result.failure = error;
    ++status_.batches;
    ++status_.failed_batches;
    b->done(std::move(result));
  }
  report();
  retry_timer_.expires_after(reconnect_delay(++attempts_, options_.reconnect_initial, options_.reconnect_max));
  retry_timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
    if (ec || !alive.lock() || phase_ != Phase::down) return;
    connect();
  });
}

void PostgresScanRepository::submit(std::vector<scans::Operation> ops, Done done) {
  auto batch = std::make_unique<Batch>();
  batch->ops = std::move(ops);
  batch->done = std::move(done);
  batch->results.resize(batch->ops.size());
  if (phase_ != Phase::ready) {
    scans::BatchResult result;
    result.results.assign(batch->ops.size(), unavailable());
    result.failure = unavailable();
    ++status_.batches;
    ++status_.failed_batches;
    boost::asio::post(executor_, [alive = std::weak_ptr<int>(alive_), done = std::move(batch->done),
                                  result = std::move(result)]() mutable {
      if (alive.lock()) done(std::move(result));
    });
    return;
  }
  queue_.push_back(std::move(batch));
  // Posted: a submit never runs its batch's completion inside itself, even
  // when nothing needs sending.
  boost::asio::post(executor_, [this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.lock()) pump();
  });
}

void PostgresScanRepository::pump() {
  if (in_flight_ || queue_.empty() || phase_ != Phase::ready || !conn_.ready()) return;
  in_flight_ = std::move(queue_.front());
  queue_.pop_front();
  Batch& b = *in_flight_;
  b.started = options_.now();
  for (std::size_t i = 0; i < b.ops.size(); ++i) {
    if (auto refusal = scans::check_operation(b.ops[i])) b.results[i] = std::move(*refusal);
  }
  send(false);
}

namespace {

const std::string& user_of(const scans::Operation& op) {
  static const std::string kNoUser;  // the probe locks no user's row: sorted first, as its meta row is locked first
  return std::visit(
      [](const auto& o) -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(o)>, scans::ProbeWrite>) {
          return kNoUser;
        } else {
          return o.user;
        }
      },
      op);
}

}  // namespace

void PostgresScanRepository::send(bool rollback_first) {
  Batch& b = *in_flight_;
  b.sent.clear();
  for (std::size_t i = 0; i < b.ops.size(); ++i) {
    if (!b.results[i]) b.sent.push_back(i);
  }
  // Users' rows are locked in one order by every node (see the header).
  std::stable_sort(b.sent.begin(), b.sent.end(),
                   [&](std::size_t x, std::size_t y) { return user_of(b.ops[x]) < user_of(b.ops[y]); });
  if (b.sent.empty() && !rollback_first) return finish();
  std::vector<PgStatement> statements;
  statements.reserve(b.sent.size() + 3);
  if (rollback_first) statements.push_back(PgStatement::query("ROLLBACK"));
  b.rolled_back = rollback_first;
  if (!b.sent.empty()) {
    statements.push_back(PgStatement::query("BEGIN"));
    for (std::size_t i : b.sent) statements.push_back(scan_statement(b.ops[i], options_.repository));
    statements.push_back(PgStatement::query("COMMIT"));
  }
  conn_.run(std::move(statements), [this](PipelineResult r) { on_batch(std::move(r)); });
}

void PostgresScanRepository::on_batch(PipelineResult r) {
  if (r.link_error) {
    // The outcome is unknown (a COMMIT may have been applied): unavailable.
    return lost(make_error_code(errc::link_lost), "link lost during a batch: " + *r.link_error);
  }
  Batch& b = *in_flight_;
  const std::size_t first = b.rolled_back ? 1 : 0;
  if (b.rolled_back && r.statements[0].state != PgStatementResult::State::ok) {
    conn_.close("rollback failed");
    return lost(make_error_code(errc::statement_failed), "ROLLBACK failed: " + failure_text(r.statements[0]));
  }
  if (b.sent.empty()) return finish();
  const auto& begin = r.statements[first];
  const auto& commit = r.statements.back();
  if (begin.state != PgStatementResult::State::ok) {
    conn_.close("begin failed");
    return lost(make_error_code(errc::statement_failed), "BEGIN failed: " + failure_text(begin));
  }
  for (std::size_t k = 0; k < b.sent.size(); ++k) {
    const auto& st = r.statements[first + 1 + k];
    if (st.state == PgStatementResult::State::error) {
      // That operation alone fails; the others go again in a new transaction.
      b.results[b.sent[k]] = statement_error(st);
      return send(true);
    }
  }
  if (commit.state != PgStatementResult::State::ok) {
    // A failed COMMIT ends the transaction with nothing stored.
    const RepositoryError error = commit.state == PgStatementResult::State::error
                                      ? statement_error(commit)
                                      : RepositoryError{RepositoryErrc::internal, "COMMIT not run",
                                                        make_error_code(errc::bad_answer)};
    for (std::size_t i : b.sent) b.results[i] = error;
    b.failure = error;
    return finish();
  }
  for (std::size_t k = 0; k < b.sent.size(); ++k) {
    const std::size_t i = b.sent[k];
    b.results[i] = read_scan_result(b.ops[i], r.statements[first + 1 + k].result.get(), epoch_);
  }
  finish();
}

void PostgresScanRepository::finish() {
  auto b = std::move(in_flight_);
  scans::BatchResult result;
  result.results.reserve(b->results.size());
  bool all_failed = !b->results.empty();
  for (auto& r : b->results) {
    const auto* e = std::get_if<RepositoryError>(&*r);
    const bool failed = e && (e->code == RepositoryErrc::unavailable || e->code == RepositoryErrc::internal);
    if (failed) status_.last_error = *e;
    all_failed = all_failed && failed;
    result.results.push_back(std::move(*r));
  }
  result.failure = std::move(b->failure);
  ++status_.batches;
  if (all_failed) ++status_.failed_batches;
  status_.last_latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(options_.now() - b->started).count();
  b->done(std::move(result));
  pump();
}

}  // namespace scansync::postgres
