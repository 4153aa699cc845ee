#pragma once
// The HTTP side of serving the web page's static files, without touching the
// file system: which file a request path names, its Content-Type, whether a
// client takes gzip, and the validators (ETag, Last-Modified) that let a
// client revalidate with 304. The reading is web_root.h's.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scansync::gateway {

// The file a request path (no query) names, relative to the web root:
// percent-decoded, "/" and a path ending in "/" mean its index.html.
// nullopt when no file may be named so: not absolute, bad percent-encoding,
// an empty segment, a segment starting with "." (".", "..", hidden files),
// a decoded "/", "\" or control character (NUL included), or longer than
// kMaxWebPath. The result never leaves the root lexically; symlinks are
// WebRoot's to check.
inline constexpr std::size_t kMaxWebPath = 1024;
std::optional<std::string> web_file_path(std::string_view request_path);

// By the file name's extension; application/octet-stream when unknown.
std::string_view content_type_of(std::string_view file_name);

// Whether an Accept-Encoding header lets the answer be gzip ("gzip",
// "x-gzip" or "*" with a q above 0; "gzip;q=0" refuses it).
bool accepts_gzip(std::string_view accept_encoding);

// A strong validator for one representation (the .gz one differs).
std::string entity_tag(std::uint64_t size, std::int64_t mtime_ns, bool gzip);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and back (other date
// formats: nullopt, so the condition is ignored and the file is sent).
std::string http_date(std::int64_t unix_s);
std::optional<std::int64_t> parse_http_date(std::string_view text);

// RFC 9110 §13.1: If-None-Match (a list, or "*", compared weakly) decides
// when present; otherwise If-Modified-Since. Empty header: absent.
bool not_modified(std::string_view if_none_match, std::string_view if_modified_since, std::string_view etag,
                  std::int64_t mtime_s);

}  // namespace scansync::gateway
