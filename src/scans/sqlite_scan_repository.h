#pragma once
// SqliteScanRepository: the ScanRepository of one gateway process, over the
// SQLite ScanStore (store/scan_store.h: the embedded default).
//
// A submit runs at once, synchronously, as one ScanStore batch (group
// commit: begin_batch … commit_batch); only its completion is deferred,
// posted to the executor, so that callers see the same re-entrancy rule as
// with PostgreSQL (scan_repository.h). A database locked by another
// connection answers `unavailable` (the store's busy timeout, 0 by default:
// the event loop never waits for a lock).
#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "scans/scan_repository.h"

namespace scansync::store {
class ScanStore;
}

namespace scansync::scans {

class SqliteScanRepository final : public ScanRepository {
 public:
  // Runs a completion later, on the caller's loop (an Asio executor, or the
  // simulator's event queue), in the order posted.
  using Post = std::function<void(std::function<void()>)>;

  // The store's options (tombstone_limit, quota) are the repository's.
  SqliteScanRepository(std::unique_ptr<store::ScanStore> store, boost::asio::any_io_executor executor);
  SqliteScanRepository(std::unique_ptr<store::ScanStore> store, Post post);
  ~SqliteScanRepository() override;

  void submit(std::vector<Operation> ops, Done done) override;
  std::string epoch() const override;
  RepositoryStatus status() const override;

  // The store itself, for reads between batches by its owner (the
  // simulator's checks); never inside a completion's batch.
  store::ScanStore& store() { return *store_; }

 private:
  OperationResult run(const Operation& op);

  std::unique_ptr<store::ScanStore> store_;
  Post post_;
  RepositoryStatus status_;
  // Posted completions hold it weakly: after destruction they do nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

// The repository error a ScanStore error stands for: busy → unavailable,
// cursor_expired → cursor_expired, anything else → internal.
RepositoryError repository_error_of(std::error_code store_error);

}  // namespace scansync::scans
