#include "postgres/pg_errors.h"

#include <string>

namespace scansync::postgres {
namespace {

class PostgresCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.postgres"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::connect_failed: return "cannot connect to PostgreSQL";
      case errc::link_lost: return "connection to PostgreSQL lost";
      case errc::statement_failed: return "PostgreSQL statement failed";
      case errc::schema_too_new: return "database schema written by a newer scansync";
      case errc::bad_answer: return "unexpected answer from PostgreSQL";
    }
    return "unknown PostgreSQL store error";
  }
};

}  // namespace

const std::error_category& category() {
  static const PostgresCategory c;
  return c;
}

bool transient_sqlstate(std::string_view s) {
  if (s.size() != 5) return false;
  const std::string_view cls = s.substr(0, 2);
  return cls == "08" || cls == "40" || cls == "53" || cls == "57" || s == "55P03";
}

}  // namespace scansync::postgres
