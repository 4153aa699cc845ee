#include "store/scan_store.h"

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

}  // namespace

// Prepared once at open and reused: parsing SQL would cost more than the
// write itself. Each use goes through StatementUse, which resets it.
struct ScanStore::Impl {
  Database db;
  StoreOptions opts;
  Statement find_by_id;        // ?1 id → rows of any user
  Statement find_own;          // ?1 user ?2 id
  Statement next_seq_create;   // ?1 user → last_seq (upsert)
  Statement next_seq_delete;   // ?1 user → last_seq, tombstones
  Statement insert_scan;       // ?1..?7 user,id,code,format,device_id,created_at,seq
  Statement mark_deleted;      // ?1 seq ?2 at ?3 user ?4 id
  Statement user_state;        // ?1 user → last_seq, oldest_kept_seq
  Statement feed;              // ?1 user ?2 since ?3 limit
  Statement live;              // ?1 user
  Statement prune_boundary;    // ?1 user ?2 count → highest deletion seq among the oldest `count` tombstones
  Statement prune_delete;      // ?1 user ?2 boundary
  Statement prune_state;       // ?1 user ?2 pruned ?3 boundary
  std::unique_ptr<Checkpointer> checkpointer;  // last: stopped before the statements and db go
};

namespace {

Result<Statement> prep(Database& db, const char* sql) { return db.prepare(sql); }

}  // namespace

Result<std::unique_ptr<ScanStore>> ScanStore::open(const std::filesystem::path& file, StoreOptions opts) {
  auto db = Database::open(file.string(), opts.busy_timeout_ms);
  if (!db.ok()) return db.error();
  if (auto ec = prepare_schema(*db); ec) return ec;

  const char* sql[] = {
      "SELECT " SCAN_COLUMNS " FROM scans WHERE id = ?1",
      "SELECT " SCAN_COLUMNS " FROM scans WHERE user = ?1 AND id = ?2",
      "INSERT INTO user_state(user, last_seq) VALUES(?1, 1) "
      "ON CONFLICT(user) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq",
      "UPDATE user_state SET last_seq = last_seq + 1, tombstones = tombstones + 1 WHERE user = ?1 "
      "RETURNING last_seq, tombstones",
      "INSERT INTO scans(user, id, code, format, device_id, created_at, seq, change_seq) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
      "UPDATE scans SET deleted_seq = ?1, deleted_at = ?2, change_seq = ?1 WHERE user = ?3 AND id = ?4",
      "SELECT last_seq, oldest_kept_seq FROM user_state WHERE user = ?1",
      "SELECT " SCAN_COLUMNS " FROM scans WHERE user = ?1 AND change_seq > ?2 ORDER BY change_seq LIMIT ?3",
      "SELECT " SCAN_COLUMNS " FROM scans WHERE user = ?1 AND deleted_seq IS NULL ORDER BY change_seq DESC",
      "SELECT max(deleted_seq) FROM (SELECT deleted_seq FROM scans WHERE user = ?1 AND deleted_seq IS NOT NULL "
      "ORDER BY deleted_seq LIMIT ?2)",
      "DELETE FROM scans WHERE user = ?1 AND deleted_seq IS NOT NULL AND deleted_seq <= ?2",
      "UPDATE user_state SET tombstones = tombstones - ?2, oldest_kept_seq = ?3 WHERE user = ?1",
  };
  std::vector<Statement> st;
  for (const char* s : sql) {
    auto p = prep(*db, s);
    if (!p.ok()) return p.error();
    st.push_back(std::move(*p));
  }
  auto impl = std::unique_ptr<Impl>(new Impl{std::move(*db), opts, std::move(st[0]), std::move(st[1]),
                                             std::move(st[2]), std::move(st[3]), std::move(st[4]), std::move(st[5]),
                                             std::move(st[6]), std::move(st[7]), std::move(st[8]), std::move(st[9]),
                                             std::move(st[10]), std::move(st[11]), nullptr});
  if (opts.background_checkpoint) {
    auto cp = Checkpointer::start(impl->db, file.string(), CheckpointOptions{});
    if (!cp.ok()) return cp.error();
    impl->checkpointer = std::move(*cp);
  }
  return std::unique_ptr<ScanStore>(new ScanStore(std::move(impl)));
}

ScanStore::ScanStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Statements are finalized (Impl members) before the connection closes:
// members are destroyed in reverse order, db last.
ScanStore::~ScanStore() = default;

Result<CreateResult> ScanStore::create(std::string_view user, const NewScan& scan) {
  Impl& m = *impl_;
  Transaction tx(m.db);
  if (tx.begin_error()) return tx.begin_error();

  {
    StatementUse q(m.find_by_id);
    q->bind(1, scan.id);
    bool taken = false;
    while (q->step()) {
      StoredScan row = read_scan(*q);
      if (row.user == user) return CreateResult{CreateOutcome::existing, std::move(row)};
      taken = true;
    }
    if (q->error()) return q->error();
    if (taken) return CreateResult{CreateOutcome::id_taken, {}};
  }

  std::int64_t seq = 0;
  {
    StatementUse q(m.next_seq_create);
    q->bind(1, user);
    if (!q->step()) return failed(*q);
    seq = q->column_int(0);
  }
  {
    StatementUse q(m.insert_scan);
    q->bind(1, user).bind(2, scan.id).bind(3, scan.code).bind(4, scan.format).bind(5, scan.device_id);
    q->bind(6, scan.created_at).bind(7, seq);
    q->step();
    if (q->error()) return q->error();
  }
  if (auto ec = tx.commit(); ec) return ec;

  StoredScan stored{std::string(user), scan.id, scan.code, scan.format, scan.device_id, scan.created_at, seq, {}, {}};
  return CreateResult{CreateOutcome::created, std::move(stored)};
}

Result<DeleteResult> ScanStore::remove(std::string_view user, std::string_view id, std::int64_t now_ms) {
  Impl& m = *impl_;
  Transaction tx(m.db);
  if (tx.begin_error()) return tx.begin_error();

  StoredScan row;
  {
    StatementUse q(m.find_own);
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
    StatementUse q(m.next_seq_delete);
    q->bind(1, user);
    if (!q->step()) return failed(*q);
    seq = q->column_int(0);
    tombstones = q->column_int(1);
  }
  {
    StatementUse q(m.mark_deleted);
    q->bind(1, seq).bind(2, now_ms).bind(3, user).bind(4, id);
    q->step();
    if (q->error()) return q->error();
  }

  const auto limit = static_cast<std::int64_t>(m.opts.tombstone_limit);
  if (tombstones > limit) {
    const std::int64_t excess = tombstones - limit;
    std::int64_t boundary = 0;
    {
      StatementUse q(m.prune_boundary);
      q->bind(1, user).bind(2, excess);
      if (!q->step()) return failed(*q);
      boundary = q->column_int(0);
    }
    {
      StatementUse q(m.prune_delete);
      q->bind(1, user).bind(2, boundary);
      q->step();
      if (q->error()) return q->error();
    }
    {
      StatementUse q(m.prune_state);
      q->bind(1, user).bind(2, excess).bind(3, boundary);
      q->step();
      if (q->error()) return q->error();
    }
  }
  if (auto ec = tx.commit(); ec) return ec;

  row.deleted_seq = seq;
  row.deleted_at_ms = now_ms;
  return DeleteResult{DeleteOutcome::deleted, std::move(row)};
}

Result<ChangePage> ScanStore::changes_since(std::string_view user, std::int64_t since, std::size_t limit) {
  Impl& m = *impl_;
  if (limit == 0) limit = 1;
  Transaction tx(m.db, Transaction::Mode::read);
  if (tx.begin_error()) return tx.begin_error();

  ChangePage page;
  std::int64_t oldest_kept = 0;
  {
    StatementUse q(m.user_state);
    q->bind(1, user);
    if (q->step()) {
      page.latest_seq = q->column_int(0);
      oldest_kept = q->column_int(1);
    } else if (q->error()) {
      return q->error();
    }
  }
  if (since < oldest_kept || since > page.latest_seq) return errc::cursor_expired;
  {
    StatementUse q(m.feed);
    q->bind(1, user).bind(2, since).bind(3, static_cast<std::int64_t>(limit) + 1);
    while (q->step()) page.changes.push_back(read_scan(*q));
    if (q->error()) return q->error();
  }
  if (page.changes.size() > limit) {
    page.changes.pop_back();
    page.has_more = true;
  }
  return page;
}

Result<LiveScans> ScanStore::live(std::string_view user) {
  Impl& m = *impl_;
  Transaction tx(m.db, Transaction::Mode::read);
  if (tx.begin_error()) return tx.begin_error();

  LiveScans out;
  {
    StatementUse q(m.user_state);
    q->bind(1, user);
    if (q->step()) {
      out.latest_seq = q->column_int(0);
    } else if (q->error()) {
      return q->error();
    }
  }
  {
    StatementUse q(m.live);
    q->bind(1, user);
    while (q->step()) out.scans.push_back(read_scan(*q));
    if (q->error()) return q->error();
  }
  return out;
}

}  // namespace scansync::store
