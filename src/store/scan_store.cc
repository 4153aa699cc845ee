#include "store/scan_store.h"

#include <algorithm>
#include <utility>

#include "store/batch_transaction.h"
#include "store/checkpointer.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace scansync::store {

static_assert(ScanStore::kSchemaVersion == kCurrentSchemaVersion);

namespace {

// Column list shared by every query that reads a StoredScan (see read_scan).
#define SCAN_COLUMNS "user, id, code, format, device_id, created_at, seq, deleted_seq, deleted_at"

StoredScan read_scan(const Statement& st) {
  StoredScan s;
  s.user = st.column_text(0);
  s.id = st.column_text(1);
  s.code = st.column_text(2);
  s.format = st.column_text(3);
  s.device_id = st.column_text(4);
  s.created_at = st.column_text(5);
  s.seq = st.column_int(6);
  if (!st.column_is_null(7)) s.deleted_seq = st.column_int(7);
  if (!st.column_is_null(8)) s.deleted_at_ms = st.column_int(8);
  return s;
}

std::error_code failed(const Statement& st) { return st.error() ? st.error() : std::error_code(errc::sql_error); }

// Steps `q` (bound, LIMIT ≥ limit + 1) into `out` until `limit` rows or
// `max_bytes` of wire_size() (the first row always fits). Returns whether a
// row was left out, i.e. more follow.
Result<bool> read_page(Statement& q, std::size_t limit, std::size_t max_bytes, std::vector<StoredScan>& out) {
  std::size_t bytes = 0;
  while (q.step()) {
    if (out.size() == limit) return true;
    StoredScan row = read_scan(q);
    const std::size_t size = wire_size(row);
    if (!out.empty() && bytes + size > max_bytes) return true;
    bytes += size;
    out.push_back(std::move(row));
  }
  if (q.error()) return q.error();
  return false;
}

constexpr std::int64_t as_limit(std::size_t limit) {
  // LIMIT limit + 1 tells whether more follow; clamp so the sum fits.
  return static_cast<std::int64_t>(std::min<std::size_t>(limit, 1u << 30)) + 1;
}

}  // namespace

// Statements are prepared once at open and reused: parsing SQL would cost
// more than the write itself. Each use goes through StatementUse, which
// resets it. Members are destroyed in reverse order: the checkpointer stops
// first, the statements are finalized, an open batch is rolled back, and the
// connection closes last.
struct ScanStore::Impl {
  explicit Impl(Database d, StoreOptions o) : db(std::move(d)), batch(db), opts(o) {}

  Result<CreateResult> create(std::string_view user, const NewScan& scan);
  Result<DeleteResult> remove(std::string_view user, std::string_view id, std::int64_t now_ms);
  std::error_code prune(std::string_view user, std::int64_t tombstones);
  std::error_code probe_write(std::int64_t now_ms);
  // last_seq, oldest_kept_seq of the user (0, 0 for one never seen).
  std::error_code read_user_state(std::string_view user, std::int64_t& last_seq, std::int64_t& oldest_kept);

  Database db;
  BatchTransaction batch;
  StoreOptions opts;
  std::string epoch;
  Statement find_own;          // ?1 user ?2 id
  Statement next_seq_create;   // ?1 user → last_seq, live_scans (upsert)
  Statement next_seq_delete;   // ?1 user → last_seq, tombstones
  Statement insert_scan;       // ?1..?7 user,id,code,format,device_id,created_at,seq
  Statement mark_deleted;      // ?1 seq ?2 at ?3 user ?4 id
  Statement user_state;        // ?1 user → last_seq, oldest_kept_seq
  Statement feed;              // ?1 user ?2 since ?3 limit
  Statement live;              // ?1 user ?2 before ?3 limit
  Statement prune_boundary;    // ?1 user ?2 count → highest deletion seq among the oldest `count` tombstones
  Statement prune_delete;      // ?1 user ?2 boundary
  Statement prune_state;       // ?1 user ?2 pruned ?3 boundary
  Statement write_probe;       // ?1 now_ms
  std::unique_ptr<Checkpointer> checkpointer;  // last: stopped before the statements and db go
};

Result<std::unique_ptr<ScanStore>> ScanStore::open(const std::filesystem::path& file, StoreOptions opts) {
  // Opening may wait for another process's lock (a migration is a one-off);
  // the operations after it use opts.busy_timeout_ms.
  constexpr int kOpenBusyTimeoutMs = 5000;
  auto db = open_database(file.string(), kOpenBusyTimeoutMs);
  if (!db.ok()) return db.error();
  if (auto ec = prepare_schema(*db); ec) return ec;
  if (auto ec = set_durability(*db, opts.durability); ec) return ec;
  auto epoch = read_epoch(*db);
  if (!epoch.ok()) return epoch.error();
  db->set_busy_timeout(opts.busy_timeout_ms);

  auto impl = std::make_unique<Impl>(std::move(*db), opts);
  impl->epoch = std::move(*epoch);
  const std::pair<Statement Impl::*, const char*> sql[] = {
      {&Impl::find_own, "SELECT " SCAN_COLUMNS " FROM scans WHERE user = ?1 AND id = ?2"},
      {&Impl::next_seq_create,
       "INSERT INTO user_state(user, last_seq, live_scans) VALUES(?1, 1, 1) ON CONFLICT(user) DO UPDATE SET "
       "last_seq = last_seq + 1, live_scans = live_scans + 1 RETURNING last_seq, live_scans"},
      {&Impl::next_seq_delete,
       "UPDATE user_state SET last_seq = last_seq + 1, tombstones = tombstones + 1, live_scans = live_scans - 1 "
       "WHERE user = ?1 RETURNING last_seq, tombstones"},
      {&Impl::insert_scan,
       "INSERT INTO scans(user, id, code, format, device_id, created_at, seq, change_seq) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"},
      {&Impl::mark_deleted,
       "UPDATE scans SET deleted_seq = ?1, deleted_at = ?2, change_seq = ?1 WHERE user = ?3 AND id = ?4"},
      {&Impl::user_state, "SELECT last_seq, oldest_kept_seq FROM user_state WHERE user = ?1"},
      {&Impl::feed,
       "SELECT " SCAN_COLUMNS " FROM scans WHERE user = ?1 AND change_seq > ?2 ORDER BY change_seq LIMIT ?3"},
      {&Impl::live,
       "SELECT " SCAN_COLUMNS " FROM scans WHERE user = ?1 AND change_seq < ?2 AND deleted_seq IS NULL "
       "ORDER BY change_seq DESC LIMIT ?3"},
      {&Impl::prune_boundary,
       "SELECT max(deleted_seq) FROM (SELECT deleted_seq FROM scans WHERE user = ?1 AND deleted_seq IS NOT NULL "
       "ORDER BY deleted_seq LIMIT ?2)"},
      {&Impl::prune_delete, "DELETE FROM scans WHERE user = ?1 AND deleted_seq IS NOT NULL AND deleted_seq <= ?2"},
      {&Impl::prune_state, "UPDATE user_state SET tombstones = tombstones - ?2, oldest_kept_seq = ?3 WHERE user = ?1"},
      {&Impl::write_probe,
       "INSERT INTO meta(key, value) VALUES('write_probe', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value"},
  };
  for (const auto& [member, text] : sql) {
    auto p = impl->db.prepare(text);
    if (!p.ok()) return p.error();
    (*impl).*member = std::move(*p);
  }
  if (opts.background_checkpoint) {
    auto cp = Checkpointer::start(impl->db, file.string(), CheckpointOptions{});
    if (!cp.ok()) return cp.error();
    impl->checkpointer = std::move(*cp);
  }
  return std::unique_ptr<ScanStore>(new ScanStore(std::move(impl)));
}

ScanStore::ScanStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ScanStore::~ScanStore() = default;

Result<CreateResult> ScanStore::create(std::string_view user, const NewScan& scan) {
  auto r = impl_->create(user, scan);
  if (!r.ok()) impl_->batch.note_failure(r.error());
  return r;
}

Result<DeleteResult> ScanStore::remove(std::string_view user, std::string_view id, std::int64_t now_ms) {
  auto r = impl_->remove(user, id, now_ms);
  if (!r.ok()) impl_->batch.note_failure(r.error());
  return r;
}

std::error_code ScanStore::probe_write(std::int64_t now_ms) {
  auto ec = impl_->probe_write(now_ms);
  if (ec) impl_->batch.note_failure(ec);
  return ec;
}

std::error_code ScanStore::Impl::probe_write(std::int64_t now_ms) {
  WriteScope tx(batch);
  if (tx.begin_error()) return tx.begin_error();
  {
    StatementUse q(write_probe);
    q->bind(1, std::to_string(now_ms));
    q->step();
    if (q->error()) return q->error();
  }
  return tx.commit();
}

Result<CreateResult> ScanStore::Impl::create(std::string_view user, const NewScan& scan) {
  WriteScope tx(batch);
  if (tx.begin_error()) return tx.begin_error();
  {
    StatementUse q(find_own);
    q->bind(1, user).bind(2, scan.id);
    if (q->step()) return CreateResult{CreateOutcome::existing, read_scan(*q)};
    if (q->error()) return q->error();
  }
  std::int64_t seq = 0;
  {
    StatementUse q(next_seq_create);
    q->bind(1, user);
    if (!q->step()) return failed(*q);
    seq = q->column_int(0);
    // Counted after the increment: over the quota, `tx` rolls it back.
    const auto live_after = q->column_int(1);
    if (opts.max_live_scans_per_user != 0 &&
        live_after > static_cast<std::int64_t>(opts.max_live_scans_per_user)) {
      return CreateResult{CreateOutcome::quota_exceeded, {}};
    }
  }
  {
    StatementUse q(insert_scan);
    q->bind(1, user).bind(2, scan.id).bind(3, scan.code).bind(4, scan.format).bind(5, scan.device_id);
    q->bind(6, scan.created_at).bind(7, seq);
    q->step();
    if (q->error()) return q->error();
  }
  if (auto ec = tx.commit(); ec) return ec;

  StoredScan stored{std::string(user), scan.id, scan.code, scan.format, scan.device_id, scan.created_at, seq, {}, {}};
  return CreateResult{CreateOutcome::created, std::move(stored)};
}

Result<DeleteResult> ScanStore::Impl::remove(std::string_view user, std::string_view id, std::int64_t now_ms) {
  WriteScope tx(batch);
  if (tx.begin_error()) return tx.begin_error();

  StoredScan row;
  {
    StatementUse q(find_own);
    q->bind(1, user).bind(2, id);
    if (!q->step()) {
      if (q->error()) return q->error();
      return DeleteResult{DeleteOutcome::not_found, {}};
    }
    row = read_scan(*q);
  }
  if (row.deleted()) return DeleteResult{DeleteOutcome::already_deleted, std::move(row)};

  std::int64_t seq = 0, tombstones = 0;
  {
    StatementUse q(next_seq_delete);
    q->bind(1, user);
    if (!q->step()) return failed(*q);
    seq = q->column_int(0);
    tombstones = q->column_int(1);
  }
  {
    StatementUse q(mark_deleted);
    q->bind(1, seq).bind(2, now_ms).bind(3, user).bind(4, id);
    q->step();
    if (q->error()) return q->error();
  }
  if (auto ec = prune(user, tombstones); ec) return ec;
  if (auto ec = tx.commit(); ec) return ec;

  row.deleted_seq = seq;
  row.deleted_at_ms = now_ms;
  return DeleteResult{DeleteOutcome::deleted, std::move(row)};
}

std::error_code ScanStore::Impl::prune(std::string_view user, std::int64_t tombstones) {
  const auto limit = static_cast<std::int64_t>(opts.tombstone_limit);
  if (tombstones <= limit) return {};
  const std::int64_t excess = tombstones - limit;
  std::int64_t boundary = 0;
  {
    StatementUse q(prune_boundary);
    q->bind(1, user).bind(2, excess);
    if (!q->step()) return failed(*q);
    boundary = q->column_int(0);
  }
  {
    StatementUse q(prune_delete);
    q->bind(1, user).bind(2, boundary);
    q->step();
    if (q->error()) return q->error();
  }
  StatementUse q(prune_state);
  q->bind(1, user).bind(2, excess).bind(3, boundary);
  q->step();
  return q->error();
}

std::error_code ScanStore::Impl::read_user_state(std::string_view user, std::int64_t& last_seq,
                                                 std::int64_t& oldest_kept) {
  StatementUse q(user_state);
  q->bind(1, user);
  last_seq = oldest_kept = 0;
  if (q->step()) {
    last_seq = q->column_int(0);
    oldest_kept = q->column_int(1);
  }
  return q->error();
}

Result<ChangePage> ScanStore::changes_since(std::string_view user, std::int64_t since, std::size_t limit,
                                            std::size_t max_bytes) {
  Impl& m = *impl_;
  if (limit == 0) limit = 1;
  ReadScope tx(m.batch);
  if (tx.begin_error()) return tx.begin_error();

  ChangePage page;
  page.epoch = m.epoch;
  std::int64_t oldest_kept = 0;
  if (auto ec = m.read_user_state(user, page.latest_seq, oldest_kept); ec) return ec;
  if (since < oldest_kept || since > page.latest_seq) return errc::cursor_expired;
  StatementUse q(m.feed);
  q->bind(1, user).bind(2, since).bind(3, as_limit(limit));
  auto more = read_page(*q, limit, max_bytes, page.changes);
  if (!more.ok()) return more.error();
  page.has_more = *more;
  return page;
}

Result<LivePage> ScanStore::live_page(std::string_view user, std::optional<std::int64_t> before, std::size_t limit,
                                      std::size_t max_bytes) {
  Impl& m = *impl_;
  if (limit == 0) limit = 1;
  ReadScope tx(m.batch);
  if (tx.begin_error()) return tx.begin_error();

  LivePage page;
  page.epoch = m.epoch;
  std::int64_t oldest_kept = 0;
  if (auto ec = m.read_user_state(user, page.latest_seq, oldest_kept); ec) return ec;
  StatementUse q(m.live);
  q->bind(1, user).bind(2, before.value_or(std::numeric_limits<std::int64_t>::max())).bind(3, as_limit(limit));
  auto more = read_page(*q, limit, max_bytes, page.scans);
  if (!more.ok()) return more.error();
  if (*more) page.next_before = page.scans.back().seq;
  return page;
}

void ScanStore::begin_batch() { impl_->batch.begin(); }

std::error_code ScanStore::commit_batch() { return impl_->batch.commit(); }

bool ScanStore::in_batch() const { return impl_->batch.active(); }

const std::string& ScanStore::epoch() const { return impl_->epoch; }

}  // namespace scansync::store
