#include "cli/gateway_parts.h"

#include <boost/asio/ip/tcp.hpp>

#include "fanout/redis_fanout.h"
#include "postgres/postgres_scan_repository.h"

namespace scansync::cli {
namespace {

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

}  // namespace

std::string compose_parts(boost::asio::io_context& io, const std::string& store_url, const std::string& fanout_url,
                          gateway::GatewayOptions& options) {
  if (!store_url.empty()) {
    if (!is_postgres_url(store_url)) return "--store: not a postgresql:// URL";
    postgres::PostgresOptions pg;
    pg.url = store_url;
    pg.repository.max_live_scans_per_user = options.max_scans_per_user;
    options.repository = std::make_shared<postgres::PostgresScanRepository>(io.get_executor(), std::move(pg));
  }
  if (!fanout_url.empty()) {
    const auto redis = parse_redis_url(fanout_url);
    if (!redis) return "--fanout: not a redis://host:port URL";
    // Resolved once here: hiredis 0.14 resolves with a blocking getaddrinfo.
    boost::system::error_code ec;
    boost::asio::ip::tcp::resolver resolver(io);
    const auto found = resolver.resolve(redis->host, std::to_string(redis->port), ec);
    if (ec || found.empty()) return "--fanout: " + redis->host + ": " + (ec ? ec.message() : "no address");
    fanout::RedisFanoutOptions fo;
    fo.endpoint.host = found.begin()->endpoint().address().to_string();
    fo.endpoint.port = redis->port;
    fo.endpoint.username = redis->username;
    fo.endpoint.password = redis->password;
    options.make_fanout = [executor = io.get_executor(), fo](fanout::FanoutSink& sink) {
      return std::unique_ptr<fanout::Fanout>(std::make_unique<fanout::RedisFanout>(executor, fo, sink));
    };
  }
  return {};
}

}  // namespace scansync::cli
