#pragma once
// Which browser origins may use the gateway from another origin (CORS on the
// polling transport and the REST API, the Origin check of a WebSocket
// handshake). No I/O.
//
// Origins are compared as RFC 6454 serialises them: scheme "://" host
// [":" port], scheme and host lower-case, the scheme's default port left out
// (so "HTTP://Example.com:80" and "http://example.com" are one origin).
// "*" is an explicit opt-in meaning any origin, answered without credentials
// (browsers refuse credentials with a wildcard). Nothing configured: no CORS
// answer at all, and any WebSocket Origin is accepted.
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "scansync/result.h"

namespace scansync::gateway {

// Why a configured value is not an origin.
enum class CorsError {
  not_an_origin = 1,  // no "scheme://"
  bad_scheme,
  bad_host,
  bad_port,
  has_path,       // anything after the authority, a trailing "/" included
  opaque_origin,  // "null": sandboxed pages and file:// share it, so it cannot be trusted
};
std::error_code make_error_code(CorsError e);  // category "scansync.cors"

// `text` as the serialised origin it denotes; a CorsError if it is not one.
Result<std::string> canonical_origin(std::string_view text);

class CorsPolicy {
 public:
  // No origin: no CORS answers, WebSocket Origin unchecked.
  CorsPolicy() = default;
  // Each value is "*" or an origin; the first bad one is the error.
  static Result<CorsPolicy> from(const std::vector<std::string>& values);

  bool configured() const { return any_origin_ || !origins_.empty(); }

  // The CORS headers of an answer to a request carrying `origin` (its Origin
  // header, maybe empty). allow_origin empty: send no CORS header at all.
  struct Answer {
    std::string allow_origin;  // the request's Origin as sent, or "*"
    bool allow_credentials = false;
  };
  Answer answer(std::string_view origin) const;
  // Whether answers depend on the Origin header (then `Vary: Origin`).
  bool varies_by_origin() const { return !origins_.empty(); }

  // Whether a WebSocket handshake from `origin` may proceed. `host` is the
  // request's Host header: a page served by the gateway itself (same
  // origin) is always allowed, and so is a request without Origin (native
  // clients; only browsers send one, and they always do).
  bool allows_websocket(std::string_view origin, std::string_view host) const;

 private:
  bool listed(std::string_view origin) const;

  std::vector<std::string> origins_;  // canonical
  bool any_origin_ = false;
};

}  // namespace scansync::gateway

template <>
struct std::is_error_code_enum<scansync::gateway::CorsError> : std::true_type {};
