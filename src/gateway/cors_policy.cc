#include "gateway/cors_policy.h"

#include <algorithm>
#include <cctype>

namespace scansync::gateway {
namespace {

class CorsCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.cors"; }
  std::string message(int ev) const override {
    switch (static_cast<CorsError>(ev)) {
      case CorsError::not_an_origin: return "not an origin (expected scheme://host[:port], or *)";
      case CorsError::bad_scheme: return "the scheme is not valid";
      case CorsError::bad_host: return "the host is empty or has characters a host cannot have";
      case CorsError::bad_port: return "the port is not a number from 1 to 65535";
      case CorsError::has_path: return "an origin has no path, query or trailing /";
      case CorsError::opaque_origin:
        return "\"null\" is the opaque origin of sandboxed and file:// pages: it cannot be allowed";
    }
    return "unknown CORS error";
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_scheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; });
}

// A registered name (letters, digits, "-", ".", "_", "~") or an IPv6 literal in brackets.
bool is_host(std::string_view h) {
  if (h.empty()) return false;
  if (h.front() == '[') {
    if (h.size() < 3 || h.back() != ']') return false;
    return std::all_of(h.begin() + 1, h.end() - 1,
                       [](unsigned char c) { return std::isxdigit(c) || c == ':' || c == '.'; });
  }
  return std::all_of(h.begin(), h.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; });
}

std::string_view default_port(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return "80";
  if (scheme == "https" || scheme == "wss") return "443";
  return {};
}

}  // namespace

std::error_code make_error_code(CorsError e) {
  static const CorsCategory category;
  return {static_cast<int>(e), category};
}

Result<std::string> canonical_origin(std::string_view text) {
  if (text == "null") return CorsError::opaque_origin;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return CorsError::not_an_origin;
  const std::string scheme = lower(text.substr(0, sep));
  if (!is_scheme(scheme)) return CorsError::bad_scheme;
  std::string_view rest = text.substr(sep + 3);
  const auto end = rest.find_first_of("/?#");
  if (end != std::string_view::npos) return CorsError::has_path;
  // The port follows the last ":" outside an IPv6 literal's brackets.
  const auto bracket = rest.rfind(']');
  const auto colon = rest.rfind(':');
  std::string_view host = rest;
  std::string port;
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = rest.substr(0, colon);
    const std::string_view digits = rest.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return CorsError::bad_port;
    }
    const int value = std::stoi(std::string(digits));
    if (value < 1 || value > 65535) return CorsError::bad_port;
    port = std::to_string(value);  // leading zeros dropped
    if (port == default_port(scheme)) port.clear();
  }
  if (!is_host(host)) return CorsError::bad_host;
  std::string out = scheme + "://" + lower(host);
  if (!port.empty()) out += ":" + port;
  return out;
}

Result<CorsPolicy> CorsPolicy::from(const std::vector<std::string>& values) {
  CorsPolicy policy;
  for (const auto& v : values) {
    if (v == "*") {
      policy.any_origin_ = true;
      continue;
    }
    auto origin = canonical_origin(v);
    if (!origin) return origin.error();
    if (!policy.listed(*origin)) policy.origins_.push_back(std::move(*origin));
  }
  return policy;
}

bool CorsPolicy::listed(std::string_view canonical) const {
  return std::find(origins_.begin(), origins_.end(), canonical) != origins_.end();
}

CorsPolicy::Answer CorsPolicy::answer(std::string_view origin) const {
  if (origin.empty() || !configured()) return {};
  if (auto c = canonical_origin(origin); c && listed(*c)) return {std::string(origin), true};
  if (any_origin_) return {"*", false};
  return {};
}

bool CorsPolicy::allows_websocket(std::string_view origin, std::string_view host) const {
  if (!configured() || any_origin_ || origin.empty()) return true;
  auto c = canonical_origin(origin);
  if (!c) return false;
  if (listed(*c)) return true;
  // Same origin: the Origin's authority is the Host the request was sent to.
  const auto scheme = std::string_view(*c).substr(0, c->find("://"));
  auto same = canonical_origin(std::string(scheme) + "://" + std::string(host));
  return same && *same == *c;
}

}  // namespace scansync::gateway
