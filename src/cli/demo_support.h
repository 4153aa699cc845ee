#pragma once
// Small pieces of the demo that are not its scenario: output lines, the
// data folder, tokens, ids and times.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "scansync/client/native_client.h"
#include "scansync/gateway/gateway.h"
#include "scansync/result.h"

namespace scansync::cli {

// One JSON line on stdout, flushed (the output is usually a pipe). Thread-safe.
using Line = nlohmann::ordered_json;  // keys in the order written: "type" first
void print_line(const Line& line);
void print_status(const std::string& device, const client::StatusInfo& s);
void step(const std::string& what);
// Prints `what: message` on stderr and returns exit code 2.
int fail(const std::string& what, const std::string& message);

// `dir` when given (created if absent), else a fresh folder under the system temp dir.
Result<std::filesystem::path> prepare_data_dir(const std::string& dir);
std::string mint_token(const std::string& user, const std::string& secret, std::chrono::seconds ttl = std::chrono::hours(1));
Result<std::unique_ptr<client::NativeClient>> make_client(const std::string& url, const std::string& token);
void stop_gateway(gateway::Gateway& gateway, boost::asio::io_context& io,
                  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>& guard, std::thread& thread);

std::string random_uuid_v4();
std::string rfc3339_now();  // UTC with milliseconds, e.g. 2026-11-26T04:46:28.123Z
double round_ms(double ms);
Line latency_summary(std::vector<double> samples_ms);  // {"p50","max","n"}

}  // namespace scansync::cli
