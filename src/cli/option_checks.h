#pragma once
// Checks of option values that need more than CLI11's own validators. As
// validators they run wherever a value comes from (command line, SCANSYNC_*,
// --config), so a bad value is a usage error that names its source.
#include <CLI/CLI.hpp>

namespace scansync::cli {

// A lifetime as auth::parse_ttl_seconds reads it (30s, 15m, 12h, 30d); with
// `zero_means_no_cap`, also 0.
CLI::Validator duration_check(bool zero_means_no_cap);
// A browser origin (scheme://host[:port], as gateway::canonical_origin reads it) or *.
CLI::Validator origin_check();
// An existing folder.
CLI::Validator folder_check();

}  // namespace scansync::cli
