#pragma once
// The parts `scansync gateway` composes the gateway from, chosen by flags:
//   --store   (default: the embedded SQLite in --data) | postgresql://…
//   --fanout  (default: local rooms) | redis://[user:password@]host:port
// Both run on the gateway's io_context.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "cli/redis_url.h"
#include "scansync/gateway/gateway.h"

namespace scansync::cli {

// Fills options.repository / options.make_fanout from the flags' values
// (empty: the default). Returns what is wrong, or "" when composed.
std::string compose_parts(boost::asio::io_context& io, const std::string& store_url, const std::string& fanout_url,
                          gateway::GatewayOptions& options);

}  // namespace scansync::cli
