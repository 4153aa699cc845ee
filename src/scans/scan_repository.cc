#include "scans/scan_repository.h"

namespace scansync::scans {
namespace {

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF) and no NUL.
bool storable_text(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned c = *p;
    if (c == 0) return false;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra = 0;
    unsigned cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) extra = 1, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) extra = 2, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) extra = 3, cp = c & 0x07, min = 0x10000;
    else return false;
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += extra + 1;
  }
  return true;
}

std::optional<RepositoryError> refuse(std::string detail) {
  return RepositoryError{RepositoryErrc::invalid, std::move(detail), {}};
}

std::optional<RepositoryError> check_user(const std::string& user) {
  if (user.empty()) return refuse("user: empty");
  if (!storable_text(user)) return refuse("user: NUL or not UTF-8");
  return std::nullopt;
}

}  // namespace

std::string_view name_of(RepositoryErrc code) {
  switch (code) {
    case RepositoryErrc::unavailable: return "unavailable";
    case RepositoryErrc::internal: return "internal";
    case RepositoryErrc::invalid: return "invalid";
    case RepositoryErrc::quota_exceeded: return "quota_exceeded";
    case RepositoryErrc::not_found: return "not_found";
    case RepositoryErrc::cursor_expired: return "cursor_expired";
  }
  return "internal";
}

std::optional<RepositoryError> check_operation(const Operation& op) {
  struct Visitor {
    std::optional<RepositoryError> operator()(const CreateScan& c) const {
      if (auto e = check_user(c.user)) return e;
      const std::pair<const char*, const std::string*> texts[] = {
          {"id", &c.scan.id},         {"code", &c.scan.code},           {"format", &c.scan.format},
          {"deviceId", &c.scan.device_id}, {"createdAt", &c.scan.created_at},
      };
      for (const auto& [name, text] : texts) {
        if (!storable_text(*text)) return refuse(std::string(name) + ": NUL or not UTF-8");
      }
      return std::nullopt;
    }
    std::optional<RepositoryError> operator()(const RemoveScan& r) const {
      if (auto e = check_user(r.user)) return e;
      if (!storable_text(r.id)) return refuse("id: NUL or not UTF-8");
      return std::nullopt;
    }
    std::optional<RepositoryError> operator()(const ChangesSince& c) const { return check_user(c.user); }
    std::optional<RepositoryError> operator()(const ListLive& l) const { return check_user(l.user); }
    std::optional<RepositoryError> operator()(const LatestSeq& l) const { return check_user(l.user); }
    std::optional<RepositoryError> operator()(const ProbeWrite&) const { return std::nullopt; }
  };
  return std::visit(Visitor{}, op);
}

}  // namespace scansync::scans
