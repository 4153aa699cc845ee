#pragma once
// Options given as environment variables: SCANSYNC_<NAME>, NAME the option's
// long name in upper case with '-' as '_' (--jwt-secret-file:
// SCANSYNC_JWT_SECRET_FILE). An empty variable counts as unset.
//
// A list option's variable holds its values separated by commas
// (SCANSYNC_CORS_ORIGIN=https://a,https://b), or, for values that contain a
// comma, an array as a config file writes it: ["https://a", "x,y"].
// A flag's holds true/false, 1/0, yes/no or on/off.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scansync::cli {

std::string env_name(std::string_view long_name);

struct EnvList {
  std::vector<std::string> values;
  std::string problem;  // empty when the text is a list
};
EnvList parse_env_list(std::string_view text);

std::optional<bool> parse_flag_value(std::string_view text);

}  // namespace scansync::cli
