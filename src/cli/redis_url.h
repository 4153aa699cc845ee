#pragma once
// The --fanout flag's URL: redis://[[user]:password@]host[:port][/]. Pure
// (no resolving, no I/O): `scansync gateway` resolves the host once at
// start (gateway_parts.cc).
#include <optional>
#include <string>
#include <string_view>

namespace scansync::cli {

struct RedisUrl {
  std::string host;  // as written (an IPv6 literal without its brackets)
  int port = 6379;
  std::string username, password;  // percent-decoded
};

// nullopt: not such a URL (another scheme, a path or query, a bad port or
// percent escape, no host). `redis://secret@host` is the password alone, as
// redis-cli reads it.
std::optional<RedisUrl> parse_redis_url(std::string_view url);

}  // namespace scansync::cli
