#include "gateway/readiness.h"

#include "gateway/log_format.h"
#include "store/store_errors.h"

namespace scansync::gateway {

std::string Readiness::body() const {
  if (ready) return R"({"status":"ok"})";
  std::string out = R"({"status":"unavailable","reason":)";
  append_json_string(out, reason);
  out += R"(,"detail":)";
  append_json_string(out, detail);
  out += "}";
  return out;
}

Readiness not_ready(std::string reason, std::string detail) { return Readiness{false, std::move(reason), std::move(detail)}; }

std::optional<Readiness> space_shortage(std::optional<std::uint64_t> available_bytes, const std::string& folder) {
  if (!available_bytes || *available_bytes >= kMinFreeBytes) return std::nullopt;
  return not_ready("disk_full", std::to_string(*available_bytes) + " bytes free on the file system of " + folder +
                                    " (at least " + std::to_string(kMinFreeBytes) + " needed)");
}

Readiness readiness_of_probe(std::error_code ec) {
  if (!ec) return Readiness{};
  const std::string detail = "store write probe: " + ec.message();
  if (ec.category() == store::category()) {
    switch (static_cast<store::errc>(ec.value())) {
      case store::errc::disk_full: return not_ready("disk_full", detail);
      case store::errc::read_only: return not_ready("read_only", detail);
      case store::errc::busy: return not_ready("locked", detail);
      case store::errc::io_error: return not_ready("io_error", detail);
      default: break;
    }
  }
  return not_ready("store_error", detail);
}

Readiness readiness_of_probe(const std::optional<scans::RepositoryError>& e) {
  if (!e) return Readiness{};
  if (e->cause && e->cause.category() == store::category()) {
    Readiness r = readiness_of_probe(e->cause);
    if (r.reason != "store_error" || e->code != scans::RepositoryErrc::unavailable) return r;
  }
  const std::string detail = "store write probe: " + (e->detail.empty() ? std::string(scans::name_of(e->code)) : e->detail);
  if (e->code == scans::RepositoryErrc::unavailable) return not_ready("store_unavailable", detail);
  return not_ready("store_error", detail);
}

}  // namespace scansync::gateway
