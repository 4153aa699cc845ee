#include "postgres/pg_scan_sql.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "postgres/pg_errors.h"

namespace scansync::postgres {
namespace {

using scans::RepositoryErrc;
using scans::RepositoryError;
using scans::StoredScan;

constexpr const char* kCreate = "scansync_create";
constexpr const char* kDelete = "scansync_delete";
constexpr const char* kChanges = "scansync_changes";
constexpr const char* kLive = "scansync_live";
constexpr const char* kLatest = "scansync_latest";
constexpr const char* kProbe = "scansync_probe";

// Both page reads: the user's state (one row whatever the user) joined with
// up to $3 rows; columns 0 last_seq, 1 oldest_kept_seq, then the scan (NULL
// when there is none).
#define USER_STATE                                                                                     \
  "SELECT u.last_seq, u.oldest_kept_seq, s.id, s.code, s.format, s.device_id, s.created_at, s.seq, " \
  "s.deleted_seq, s.deleted_at FROM (SELECT coalesce(max(last_seq), 0) AS last_seq, "                 \
  "coalesce(max(oldest_kept_seq), 0) AS oldest_kept_seq FROM users WHERE user_id = $1) u "

// The rows of an expired cursor are not read (the answer is cursor_expired).
constexpr const char* kChangesSql = USER_STATE
    "LEFT JOIN LATERAL (SELECT * FROM scans WHERE user_id = $1 AND change_seq > $2 "
    "AND $2 >= u.oldest_kept_seq AND $2 <= u.last_seq ORDER BY change_seq LIMIT $3) s ON true "
    "ORDER BY s.change_seq";
constexpr const char* kLiveSql = USER_STATE
    "LEFT JOIN LATERAL (SELECT * FROM scans WHERE user_id = $1 AND change_seq < $2 AND deleted_seq IS NULL "
    "ORDER BY change_seq DESC LIMIT $3) s ON true ORDER BY s.change_seq DESC NULLS LAST";
#undef USER_STATE

// Write outputs: r_outcome, r_seq, r_deleted_seq, r_deleted_at, r_code, r_format, r_device, r_created.
constexpr const char* kCreateSql = "SELECT * FROM scansync_create($1, $2, $3, $4, $5, $6, $7)";
constexpr const char* kDeleteSql = "SELECT * FROM scansync_delete($1, $2, $3, $4)";
constexpr const char* kLatestSql = "SELECT coalesce(max(last_seq), 0) FROM users WHERE user_id = $1";
// Every node writes the same row: a probe waits at most for another node's
// open batch, as a create of a shared user would.
constexpr const char* kProbeSql =
    "INSERT INTO meta(key, value) VALUES ('write_probe', $1) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING 1";

std::string num(std::int64_t v) { return std::to_string(v); }

std::int64_t row_limit(std::size_t limit) {
  // LIMIT limit + 1 tells whether more follow; clamped so the sum fits.
  return static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, 1u << 30)) + 1;
}

bool is_null(const PGresult* r, int row, int col) { return PQgetisnull(r, row, col) != 0; }
std::string text(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
}
std::int64_t integer(const PGresult* r, int row, int col) {
  std::int64_t v = 0;
  const char* p = PQgetvalue(r, row, col);
  std::from_chars(p, p + PQgetlength(r, row, col), v);
  return v;
}
std::optional<std::int64_t> opt_integer(const PGresult* r, int row, int col) {
  if (is_null(r, row, col)) return std::nullopt;
  return integer(r, row, col);
}

RepositoryError bad_answer(const char* what) {
  return RepositoryError{RepositoryErrc::internal, std::string("PostgreSQL answered ") + what,
                         make_error_code(errc::bad_answer)};
}

// A write's output row: the scan as stored (user and id are the caller's).
StoredScan written_scan(const PGresult* r, const std::string& user, const std::string& id) {
  StoredScan s;
  s.user = user;
  s.id = id;
  s.seq = integer(r, 0, 1);
  s.deleted_seq = opt_integer(r, 0, 2);
  s.deleted_at_ms = opt_integer(r, 0, 3);
  s.code = text(r, 0, 4);
  s.format = text(r, 0, 5);
  s.device_id = text(r, 0, 6);
  s.created_at = text(r, 0, 7);
  return s;
}

// Rows 2.. of a page read, bounded like ScanStore's read_page: at most
// `limit` rows and `max_bytes` of wire_size() (the first always fits).
// Returns whether a row was left out.
bool read_rows(const PGresult* r, const std::string& user, std::size_t limit, std::size_t max_bytes,
               std::vector<StoredScan>& out) {
  limit = std::max<std::size_t>(limit, 1);
  std::size_t bytes = 0;
  const int rows = PQntuples(r);
  for (int i = 0; i < rows; ++i) {
    if (is_null(r, i, 2)) continue;  // the user's state without a scan
    if (out.size() == limit) return true;
    StoredScan s;
    s.user = user;
    s.id = text(r, i, 2);
    s.code = text(r, i, 3);
    s.format = text(r, i, 4);
    s.device_id = text(r, i, 5);
    s.created_at = text(r, i, 6);
    s.seq = integer(r, i, 7);
    s.deleted_seq = opt_integer(r, i, 8);
    s.deleted_at_ms = opt_integer(r, i, 9);
    const std::size_t size = scans::wire_size(s);
    if (!out.empty() && bytes + size > max_bytes) return true;
    bytes += size;
    out.push_back(std::move(s));
  }
  return false;
}

}  // namespace

std::vector<PgStatement> prepare_scan_statements() {
  return {
      PgStatement::prepare(kCreate, kCreateSql), PgStatement::prepare(kDelete, kDeleteSql),
      PgStatement::prepare(kChanges, kChangesSql), PgStatement::prepare(kLive, kLiveSql),
      PgStatement::prepare(kLatest, kLatestSql), PgStatement::prepare(kProbe, kProbeSql),
  };
}

PgStatement scan_statement(const scans::Operation& op, const scans::RepositoryOptions& options) {
  struct Visitor {
    const scans::RepositoryOptions& options;
    PgStatement operator()(const scans::CreateScan& c) const {
      const auto& s = c.scan;
      return PgStatement::execute(kCreate, {c.user, s.id, s.code, s.format, s.device_id, s.created_at,
                                            num(static_cast<std::int64_t>(options.max_live_scans_per_user))});
    }
    PgStatement operator()(const scans::RemoveScan& d) const {
      const auto limit = std::min<std::size_t>(options.tombstone_limit, std::numeric_limits<std::int64_t>::max());
      return PgStatement::execute(kDelete, {d.user, d.id, num(d.now_ms), num(static_cast<std::int64_t>(limit))});
    }
    PgStatement operator()(const scans::ChangesSince& c) const {
      return PgStatement::execute(kChanges, {c.user, num(c.since), num(row_limit(c.limit))});
    }
    PgStatement operator()(const scans::ListLive& l) const {
      const auto before = l.before.value_or(std::numeric_limits<std::int64_t>::max());
      return PgStatement::execute(kLive, {l.user, num(before), num(row_limit(l.limit))});
    }
    PgStatement operator()(const scans::LatestSeq& l) const { return PgStatement::execute(kLatest, {l.user}); }
    PgStatement operator()(const scans::ProbeWrite& p) const { return PgStatement::execute(kProbe, {num(p.now_ms)}); }
  };
  return std::visit(Visitor{options}, op);
}

scans::OperationResult read_scan_result(const scans::Operation& op, const pg_result* rows, const std::string& epoch) {
  struct Visitor {
    const PGresult* r;
    const std::string& epoch;
    scans::OperationResult operator()(const scans::CreateScan& c) const {
      if (PQntuples(r) != 1 || PQnfields(r) != 8) return bad_answer("a create with another shape");
      const std::string outcome = text(r, 0, 0);
      if (outcome == "created") return scans::Created{written_scan(r, c.user, c.scan.id), false};
      if (outcome == "existing") return scans::Created{written_scan(r, c.user, c.scan.id), true};
      if (outcome == "quota_exceeded") {
        return RepositoryError{RepositoryErrc::quota_exceeded, "the user holds the most live scans allowed", {}};
      }
      return bad_answer("an unknown create outcome");
    }
    scans::OperationResult operator()(const scans::RemoveScan& d) const {
      if (PQntuples(r) != 1 || PQnfields(r) != 8) return bad_answer("a delete with another shape");
      const std::string outcome = text(r, 0, 0);
      if (outcome == "deleted") return scans::Removed{written_scan(r, d.user, d.id), false};
      if (outcome == "already_deleted") return scans::Removed{written_scan(r, d.user, d.id), true};
      if (outcome == "not_found") return RepositoryError{RepositoryErrc::not_found, "no such scan", {}};
      return bad_answer("an unknown delete outcome");
    }
    scans::OperationResult operator()(const scans::ChangesSince& c) const {
      if (PQntuples(r) < 1 || PQnfields(r) != 10) return bad_answer("a page with another shape");
      scans::ChangePage page;
      page.epoch = epoch;
      page.latest_seq = integer(r, 0, 0);
      const std::int64_t oldest_kept = integer(r, 0, 1);
      if (c.since < oldest_kept || c.since > page.latest_seq) {
        return RepositoryError{RepositoryErrc::cursor_expired, "sync cursor expired", {}};
      }
      page.has_more = read_rows(r, c.user, c.limit, c.max_bytes, page.changes);
      return page;
    }
    scans::OperationResult operator()(const scans::ListLive& l) const {
      if (PQntuples(r) < 1 || PQnfields(r) != 10) return bad_answer("a page with another shape");
      scans::LivePage page;
      page.epoch = epoch;
      page.latest_seq = integer(r, 0, 0);
      if (read_rows(r, l.user, l.limit, l.max_bytes, page.scans)) page.next_before = page.scans.back().seq;
      return page;
    }
    scans::OperationResult operator()(const scans::LatestSeq&) const {
      if (PQntuples(r) != 1 || PQnfields(r) != 1) return bad_answer("a latest seq with another shape");
      return scans::Latest{integer(r, 0, 0), epoch};
    }
    scans::OperationResult operator()(const scans::ProbeWrite&) const {
      if (PQntuples(r) != 1) return bad_answer("a probe with another shape");
      return scans::Probed{};
    }
  };
  return std::visit(Visitor{rows, epoch}, op);
}

scans::RepositoryError statement_error(const PgStatementResult& r) {
  const RepositoryErrc code = transient_sqlstate(r.sqlstate) ? RepositoryErrc::unavailable : RepositoryErrc::internal;
  return RepositoryError{code, "PostgreSQL: " + r.sqlstate + " " + r.message, make_error_code(errc::statement_failed)};
}

}  // namespace scansync::postgres
