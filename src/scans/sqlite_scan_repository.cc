#include "scans/sqlite_scan_repository.h"

#include <boost/asio/post.hpp>
#include <utility>

#include "store/scan_store.h"

namespace scansync::scans {
namespace {

RepositoryError refused(RepositoryErrc code, std::string detail) { return RepositoryError{code, std::move(detail), {}}; }

}  // namespace

RepositoryError repository_error_of(std::error_code store_error) {
  RepositoryErrc code = RepositoryErrc::internal;
  if (store_error == store::errc::busy) code = RepositoryErrc::unavailable;
  if (store_error == store::errc::cursor_expired) code = RepositoryErrc::cursor_expired;
  return RepositoryError{code, store_error.message(), store_error};
}

SqliteScanRepository::SqliteScanRepository(std::unique_ptr<store::ScanStore> store,
                                           boost::asio::any_io_executor executor)
    : SqliteScanRepository(std::move(store), [executor](std::function<void()> fn) {
        boost::asio::post(executor, std::move(fn));
      }) {}

SqliteScanRepository::SqliteScanRepository(std::unique_ptr<store::ScanStore> store, Post post)
    : store_(std::move(store)), post_(std::move(post)) {
  status_.engine = "sqlite";
  status_.available = true;
}

SqliteScanRepository::~SqliteScanRepository() = default;

std::string SqliteScanRepository::epoch() const { return store_->epoch(); }

RepositoryStatus SqliteScanRepository::status() const { return status_; }

OperationResult SqliteScanRepository::run(const Operation& op) {
  if (auto refusal = check_operation(op)) return std::move(*refusal);
  store::ScanStore& store = *store_;
  struct Visitor {
    store::ScanStore& store;
    OperationResult operator()(const CreateScan& c) const {
      auto r = store.create(c.user, c.scan);
      if (!r.ok()) return repository_error_of(r.error());
      switch (r->outcome) {
        case store::CreateOutcome::created: return Created{std::move(r->scan), false};
        case store::CreateOutcome::existing: return Created{std::move(r->scan), true};
        case store::CreateOutcome::quota_exceeded: break;
      }
      return refused(RepositoryErrc::quota_exceeded, "the user holds the most live scans allowed");
    }
    OperationResult operator()(const RemoveScan& d) const {
      auto r = store.remove(d.user, d.id, d.now_ms);
      if (!r.ok()) return repository_error_of(r.error());
      switch (r->outcome) {
        case store::DeleteOutcome::deleted: return Removed{std::move(r->scan), false};
        case store::DeleteOutcome::already_deleted: return Removed{std::move(r->scan), true};
        case store::DeleteOutcome::not_found: break;
      }
      return refused(RepositoryErrc::not_found, "no such scan");
    }
    OperationResult operator()(const ChangesSince& c) const {
      auto r = store.changes_since(c.user, c.since, c.limit, c.max_bytes);
      if (!r.ok()) return repository_error_of(r.error());
      return std::move(*r);
    }
    OperationResult operator()(const ListLive& l) const {
      auto r = store.live_page(l.user, l.before, l.limit, l.max_bytes);
      if (!r.ok()) return repository_error_of(r.error());
      return std::move(*r);
    }
    OperationResult operator()(const LatestSeq& l) const {
      // The feed's state without its rows: a one-row page read.
      auto r = store.live_page(l.user, std::nullopt, 1, 0);
      if (!r.ok()) return repository_error_of(r.error());
      return Latest{r->latest_seq, std::move(r->epoch)};
    }
    OperationResult operator()(const ProbeWrite& p) const {
      if (const std::error_code ec = store.probe_write(p.now_ms)) return repository_error_of(ec);
      return Probed{};
    }
  };
  return std::visit(Visitor{store}, op);
}

void SqliteScanRepository::submit(std::vector<Operation> ops, Done done) {
  const auto started = std::chrono::steady_clock::now();
  BatchResult batch;
  batch.results.reserve(ops.size());
  store_->begin_batch();
  for (const auto& op : ops) batch.results.push_back(run(op));
  if (const std::error_code ec = store_->commit_batch()) {
    // Nothing of the batch is stored: every answer is void (scan_repository.h).
    const RepositoryError failed = repository_error_of(ec);
    for (auto& r : batch.results) r = failed;
    batch.failure = failed;
    status_.last_error = failed;
    ++status_.failed_batches;
  }
  for (const auto& r : batch.results) {
    const auto* e = std::get_if<RepositoryError>(&r);
    if (e && (e->code == RepositoryErrc::internal || e->code == RepositoryErrc::unavailable)) status_.last_error = *e;
  }
  ++status_.batches;
  status_.last_latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
  // std::function needs a copyable callable: the batch travels in a shared_ptr.
  auto result = std::make_shared<BatchResult>(std::move(batch));
  post_([alive = std::weak_ptr<int>(alive_), done = std::move(done), result] {
    if (alive.lock()) done(std::move(*result));
  });
}

}  // namespace scansync::scans
