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

// What the demo prints on stdout: sentences for a person (the default), or
// with --json one JSON line per event, which tests and scripts read. Every
// event is handed to both print_line and say; the output chosen prints it.
enum class DemoOutput { sentences, json_lines };
void set_output(DemoOutput output);  // before any thread starts
bool json_output();

// One JSON line on stdout (json_lines only), flushed: the output is usually a pipe. Thread-safe.
using Line = nlohmann::ordered_json;  // keys in the order written: "type" first
void print_line(const Line& line);
// One sentence on stdout (sentences only), flushed. Thread-safe.
void say(const std::string& text);
// `device` names it in the JSON line, `spoken` (default: the same) in the sentence.
void print_status(const std::string& device, const client::StatusInfo& s, const std::string& spoken = {});
void step(const std::string& what);
// "4.2 ms", for sentences.
std::string ms_text(double ms);
// Prints `scansync what: message` on stderr and returns exit code 1.
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
