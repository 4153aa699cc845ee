#pragma once
// Errors of the PostgreSQL scan store (the `cause` of a RepositoryError).
#include <string_view>
#include <system_error>

namespace scansync::postgres {

enum class errc {
  connect_failed = 1,  // the server refused or could not be reached (detail: libpq's words)
  link_lost,           // the connection broke or timed out; a batch in flight has an unknown outcome
  statement_failed,    // a statement failed (detail: SQLSTATE and message)
  schema_too_new,      // the database was migrated by a newer scansync
  bad_answer,          // the server's answer is not what the statement returns
};

const std::error_category& category();  // name "scansync.postgres"
inline std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

// Whether a statement's SQLSTATE is transient (connection, serialization,
// deadlock, resources, shutdown, lock not available): the operation is then
// `unavailable` (retry later) rather than `internal`.
bool transient_sqlstate(std::string_view sqlstate);

}  // namespace scansync::postgres

template <>
struct std::is_error_code_enum<scansync::postgres::errc> : std::true_type {};
