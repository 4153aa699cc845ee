#pragma once
// Test-only: a fake clock and a scripted server driving a ClientCore the way
// an adapter would (it executes the actions, keeps the one timer, feeds
// frames), recording everything the core does and says.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "scansync/client/client_core.h"

namespace scansync::client {
// gtest output for status comparisons.
inline void PrintTo(const StatusInfo& s, std::ostream* os) {
  *os << to_string(s.status);
  if (s.status == Status::reconnecting) *os << "{attempt " << s.attempt << ", " << s.next_delay.count() << " ms}";
  if (s.status == Status::disconnected) *os << "(" << to_string(s.reason) << ")";
}
}  // namespace scansync::client

namespace scansync::client::testing {

struct FakeClock {
  TimePoint t{std::chrono::hours(1)};  // not the epoch: a zero time point hides bugs
  TimePoint now() const { return t; }
};

struct RecordedEvent {
  std::string name;
  std::vector<std::string> args;
};

struct RecordedAck {
  std::error_code ec;
  std::vector<std::string> args;
};

class ScriptedServer {
 public:
  explicit ScriptedServer(ClientOptions options = {});

  // ---- Adapter side ----
  // Takes the core's actions and executes them (timer, transport state).
  void pump();
  // Moves the fake clock forward by `d`, firing the timer at each armed
  // deadline on the way, like a real event loop would.
  void advance(Millis d);
  // Fires the armed timer now (moving the clock to its deadline).
  bool fire_timer();

  // ---- Server side ----
  void feed(std::string_view frame);      // one text frame from the server
  void open_transport();                  // on_transport_open for the pending OpenTransport
  void handshake(int ping_interval_ms = 25000, int ping_timeout_ms = 20000);
  void accept(std::string sid = "sid1", std::optional<std::string> pid = std::nullopt);
  void ack_join(std::string_view reply = R"({"ok":true,"room":"user:alice"})");
  void close_transport(std::string_view why = "eof");
  // connect() + open + handshake + accept + join ack.
  void connect_fully(std::optional<std::string> pid = std::nullopt);
  // Open, handshake, accept and ack the join of an attempt the core already started.
  void complete_attempt(std::optional<std::string> pid = std::nullopt);

  // ---- Inspection ----
  std::vector<std::string> take_frames();  // SendText frames since the last call
  int opens() const { return opens_; }
  int closes() const { return closes_; }
  const std::string& last_query() const { return last_query_; }
  std::optional<TimePoint> timer() const { return timer_; }
  bool transport_open() const { return transport_open_; }
  bool transport_pending() const { return transport_pending_; }
  const std::vector<Action>& log() const { return log_; }
  std::vector<RecordedEvent> events_named(std::string_view name) const;
  std::vector<std::string> event_names() const;
  // The ack id of the last sent EVENT frame named `event`, or nullopt.
  std::optional<std::uint64_t> ack_id_of(std::string_view event) const;
  AckHandler record_ack(std::vector<RecordedAck>& into);

  FakeClock clock;
  int tokens_asked = 0;
  std::vector<std::string> tokens;  // token i for the i-th request ("tok<i>" beyond)
  ClientCore core;
  std::vector<StatusInfo> statuses;
  std::vector<RecordedEvent> events;

 private:
  std::vector<Action> log_;
  std::vector<std::string> frames_;
  std::vector<std::string> all_frames_;
  std::optional<TimePoint> timer_;
  int opens_ = 0;
  int closes_ = 0;
  bool transport_open_ = false;
  bool transport_pending_ = false;
  std::string last_query_;
};

// Status shorthands.
StatusInfo connecting();
StatusInfo connected();
StatusInfo reconnecting(int attempt, Millis delay);
StatusInfo disconnected(DisconnectReason reason);

}  // namespace scansync::client::testing
