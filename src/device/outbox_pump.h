#pragma once
// OutboxPump: sends the durable outbox (DeviceStore::outbox) and records the
// server's answers. Sans-I/O over an emit function, the store and a clock:
// the host tells it when the user's room is joined and when the connection
// went, and calls pump() after queuing a local scan or delete, and on_timer()
// at retry_at().
//
// Rules (each item is kept in the store until the server answered for it):
//   - ok → ack_create(the ack's Scan) / ack_remove(id, seq);
//   - scan:delete answered not_found → ack_remove (nothing to delete there);
//   - answered invalid (or too large to send) → the item can never succeed:
//     a create is dropped with its row (delete_local), a remove acked, and
//     the error reported;
//   - rate_limited, unavailable, internal, quota_exceeded, an ack timeout, a
//     decoding or store failure → kept; sending pauses for a backoff
//     (1, 2, 4 … 30 s) and resumes with the oldest item;
//   - connection lost → kept; sent again after the next connect.
// At most max_in_flight items are sent and unanswered at once, oldest first.
// An answer for an earlier connection still counts (acks are idempotent in
// the store); it only no longer counts as in flight.
//
// Not thread-safe: the host's executor. The store must outlive the pump.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "scansync/client/types.h"
#include "scansync/device/device_store.h"

namespace scansync::device {

class OutboxPump {
 public:
  using Emit = std::function<void(std::string_view event, std::string args_json, client::AckHandler ack)>;
  using NowFn = std::function<client::TimePoint()>;
  // code: the server's error ("invalid", "rate_limited", …), "ack_failed"
  // (no answer in time), "bad_ack" (an answer not of the contract's shape) or
  // "store_failed"; id: the item's scan id.
  using ErrorHandler = std::function<void(std::string_view code, std::string_view id, std::string_view message)>;
  // The store changed because of an answer (a row synced, an item gone).
  using ChangeHandler = std::function<void()>;
  // Sending paused until retry_at(): the host arms its timer for it (the
  // pause begins inside an ack, when no other input would prompt the host).
  using PauseHandler = std::function<void()>;

  struct Options {
    std::size_t max_in_flight = 16;
    client::Millis initial_backoff{1000};
    client::Millis max_backoff{30000};
  };

  OutboxPump(DeviceStore& store, Emit emit, NowFn now, Options options);
  OutboxPump(DeviceStore& store, Emit emit, NowFn now) : OutboxPump(store, std::move(emit), std::move(now), Options{}) {}

  void on_error(ErrorHandler h) { on_error_ = std::move(h); }
  void on_change(ChangeHandler h) { on_change_ = std::move(h); }
  void on_pause(PauseHandler h) { on_pause_ = std::move(h); }

  // The connection is up and its emits go out after room:join: send at once
  // (any backoff pause ends: a fresh connection).
  void connected();
  // The connection went: nothing counts as in flight any more.
  void disconnected();
  // Sends what fits in the window (after a local scan or delete).
  void pump();
  // At retry_at(): the backoff pause is over.
  void on_timer();

  // When the host should call on_timer(); nullopt: no pause.
  std::optional<client::TimePoint> retry_at() const { return paused_until_; }
  std::size_t in_flight() const { return in_flight_.size(); }
  bool connected_now() const { return connected_; }

 private:
  void send(const OutboxItem& item);
  void on_ack(std::uint64_t generation, const OutboxItem& item, std::error_code ec,
              const std::vector<std::string_view>& args);
  // The answer's outcome for the store; false when the item stays.
  bool settle(const OutboxItem& item, std::string_view reply);
  void back_off();
  void report(std::string_view code, std::string_view id, std::string_view message);

  DeviceStore& store_;
  Emit emit_;
  NowFn now_;
  Options options_;
  ErrorHandler on_error_;
  ChangeHandler on_change_;
  PauseHandler on_pause_;
  bool connected_ = false;
  std::uint64_t generation_ = 0;  // one per connection
  std::set<std::int64_t> in_flight_;  // outbox positions
  int failures_ = 0;                  // answers that kept an item, since the last good one
  std::optional<client::TimePoint> paused_until_;
};

}  // namespace scansync::device
