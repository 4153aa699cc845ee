#pragma once
// The scan operations as PostgreSQL statements, and their answers read back
// into the repository's results. No I/O: the statements are sent and the
// results received by PostgresScanRepository over a PgConnection.
//
// Every operation is ONE prepared statement (the writes call the functions
// of pg_schema.cc), so that a batch is one pipeline: BEGIN, the operations,
// COMMIT. Reads return the user's state and the page's rows together, from
// one statement, i.e. one snapshot.
#include <string>
#include <vector>

#include "postgres/pg_connection.h"
#include "scans/scan_repository.h"

namespace scansync::postgres {

// PgStatement::prepare of every statement below, sent once per connection.
std::vector<PgStatement> prepare_scan_statements();

// The statement that runs `op`. Precondition: scans::check_operation(op) passed.
PgStatement scan_statement(const scans::Operation& op, const scans::RepositoryOptions& options);

// The result of `op` from its statement's rows (state ok). `epoch` goes into pages.
scans::OperationResult read_scan_result(const scans::Operation& op, const pg_result* rows, const std::string& epoch);

// The repository error for a statement that failed.
scans::RepositoryError statement_error(const PgStatementResult& r);

}  // namespace scansync::postgres
