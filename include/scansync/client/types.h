#pragma once
// Vocabulary of the portable client core: options, status, actions, events.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

namespace scansync::client {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

// Attempt n waits min(initial * factor^(n-1), max); after max_attempts
// failed attempts the client gives up. jitter in [0, 1]: the delay is drawn
// uniformly from [d * (1 - jitter), d] (0 = exact, the default).
struct BackoffOptions {
  Millis initial{1000};
  Millis max{30000};
  double factor = 2.0;
  int max_attempts = 10;
  double jitter = 0.0;
};

struct ClientOptions {
  BackoffOptions backoff;
  std::size_t queue_capacity = 50;   // emits kept while not connected
  Millis ack_timeout{10000};         // an ack not received by then fails with errc::ack_timeout
  Millis connect_timeout{20000};     // transport open + CONNECT answer
  std::string nsp = "/";
  bool join_room = true;             // emit room:join {} after every connect
  std::uint64_t seed = 0;            // for jitter; tests pin it
};

enum class Status { connecting, connected, reconnecting, disconnected };
enum class DisconnectReason { none, user, offline, background, unauthorized, gave_up, server };

std::string_view to_string(Status s);
std::string_view to_string(DisconnectReason r);

struct StatusInfo {
  Status status = Status::disconnected;
  int attempt = 0;                  // reconnecting: the attempt about to be made (1-based)
  Millis next_delay{0};             // reconnecting: wait before that attempt
  DisconnectReason reason = DisconnectReason::none;  // disconnected only
  bool operator==(const StatusInfo&) const = default;
};

// ---- Actions: what the core asks its adapter to do, in order. ----
struct OpenTransport {
  std::string query;  // e.g. "EIO=4&transport=websocket" (+ "&token=..." in fallback mode)
};
struct CloseTransport {};
struct SendText {
  std::string frame;  // one Engine.IO text packet = one WebSocket text frame
};
// The core keeps one timer: ArmTimer replaces any earlier deadline.
struct ArmTimer {
  TimePoint deadline;
};
struct CancelTimer {};
using Action = std::variant<OpenTransport, CloseTransport, SendText, ArmTimer, CancelTimer>;

// ---- Events delivered to subscribers. ----
// `args` are raw JSON texts of the event arguments; they stay valid only for
// the duration of the callback (copy or parse what you keep).
struct Event {
  std::string_view name;
  const std::vector<std::string_view>& args;
};
using EventHandler = std::function<void(const Event&)>;
using StatusHandler = std::function<void(const StatusInfo&)>;
// ec is empty on success; otherwise an errc (ack_timeout, dropped, closed,
// connection_lost, bad_arguments, not_connected) and args is empty.
using AckHandler = std::function<void(std::error_code ec, const std::vector<std::string_view>& args)>;
// Asked at every (re)connect so a refreshed token is always used.
using TokenProvider = std::function<std::string()>;
using SubscriptionId = std::uint64_t;

enum class errc {
  ack_timeout = 1,
  dropped,          // removed from a full outbound queue
  not_connected,    // emit with queueing disabled
  closed,           // the client was disconnected by the user before the ack came
  bad_arguments,    // the argument text is not a JSON array
  // The transport that carried the emit closed before its ack came (lost
  // connection, offline, background, server disconnect): an ack never
  // crosses transports, so the emit may or may not have been processed.
  connection_lost,
  // The event's frame is larger than the server's maxPayload (from the last
  // handshake): the server would close the connection on it.
  too_large,
};
const std::error_category& category();
inline std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace scansync::client

template <>
struct std::is_error_code_enum<scansync::client::errc> : std::true_type {};
