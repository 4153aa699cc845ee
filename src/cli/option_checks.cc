#include "cli/option_checks.h"

#include <filesystem>

#include "auth/token_ttl.h"
#include "gateway/cors_policy.h"

namespace scansync::cli {

CLI::Validator duration_check(bool zero_means_no_cap) {
  return CLI::Validator(
      [zero_means_no_cap](std::string& text) -> std::string {
        if (zero_means_no_cap && text == "0") return {};
        if (auth::parse_ttl_seconds(text)) return {};
        return "'" + text + "' is not a duration: a positive number with a unit s, m, h or d (30s, 15m, 12h, 7d)" +
               (zero_means_no_cap ? ", at most 10 years, or 0 for no cap" : ", at most 10 years");
      },
      "DURATION");
}

CLI::Validator origin_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text == "*") return {};
        if (auto origin = gateway::canonical_origin(text); !origin) return "\"" + text + "\": " + origin.error().message();
        return {};
      },
      "ORIGIN");
}

CLI::Validator folder_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::error_code ec;
        if (std::filesystem::is_directory(text, ec)) return {};
        return text + ": not a folder";
      },
      "DIR");
}

}  // namespace scansync::cli
