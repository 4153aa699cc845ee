#pragma once
// Engine.IO v4 server session (docs/engine.io-protocol/v4-current.md): one
// client session, identified by its sid, across its transports (HTTP
// long-polling, WebSocket, and the upgrade from the first to the second).
//
// A pure state machine: requests, frames and timer ticks in; frames, poll
// bodies and verdicts out. No sockets, no clocks, no threads: the adapter
// (server.cc) moves the bytes and reads the clock; tests replay timelines.
//
// Output is pulled: the session keeps one ordered outbox of packets; the
// adapter takes from it whenever `wake` tells it that something changed
// (output queued, the session closed, an upgrade probe answered).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scansync::gateway {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Millis = std::chrono::milliseconds;

// One Engine.IO packet as it travels in a WebSocket frame: the text
// "<type><data>", or the raw bytes of a binary MESSAGE. Immutable and shared:
// a broadcast encodes its frame once and every recipient queues the same
// buffer.
struct Frame {
  std::shared_ptr<const std::string> bytes;
  bool binary = false;
  std::size_t size() const { return bytes ? bytes->size() : 0; }
};
Frame text_frame(std::string text);
Frame binary_frame(std::string bytes);

// FIFO of frames. Not std::deque: libstdc++'s allocates ~600 bytes even
// when empty, and every idle session holds two queues. Storage is released
// once drained (beyond a few slots), so an idle session holds almost none.
class FrameQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  void push_back(Frame f) { items_.push_back(std::move(f)); }
  Frame pop_front() {
    Frame f = std::move(items_[head_++]);
    if (empty()) clear();
    return f;
  }
  void clear() {
    if (items_.capacity() > 4) {
      items_ = {};
    } else {
      items_.clear();
    }
    head_ = 0;
  }
  auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Frame> items_;
  std::size_t head_ = 0;
};

enum class TransportKind { polling, websocket };

struct EngineConfig {
  Millis ping_interval{25000};
  Millis ping_timeout{20000};
  Millis upgrade_timeout{10000};
  std::uint64_t max_payload = 1000000;
  // Until the layer above admits the session (a Socket.IO CONNECT accepted),
  // a message may be at most this long (0: max_payload). An unauthenticated
  // peer then cannot make the gateway buffer max_payload bytes per connection.
  std::uint64_t max_pre_admission_payload = 0;
  std::size_t max_write_queue_bytes = 4u << 20;
};

// The layer above a session (Socket.IO, or the raw echo of the conformance
// mode). Callbacks run inside the session's input methods; they may call
// send() and close() on the session.
class EngineUpper {
 public:
  virtual ~EngineUpper() = default;
  virtual void on_message(std::string_view data, bool binary, TimePoint now) = 0;
  // Called exactly once, when the session closes (either side).
  virtual void on_close(std::string_view reason) = 0;
  virtual std::optional<TimePoint> next_deadline() const { return std::nullopt; }
  virtual void on_tick(TimePoint /*now*/) {}
};

enum class PostStatus { ok, bad_request, payload_too_large };
enum class GetVerdict { respond, park, reject };

class EngineSession {
 public:
  // Queues the OPEN packet. A WebSocket-born session gets `ws_channel` as its
  // active channel id (chosen by the adapter, non-zero).
  EngineSession(std::string sid, TransportKind initial, EngineConfig config, TimePoint now,
                std::uint64_t ws_channel = 0);
  EngineSession(const EngineSession&) = delete;
  EngineSession& operator=(const EngineSession&) = delete;

  // `upper` must outlive the session's use of it (until close or destruction).
  void set_upper(EngineUpper* upper) { upper_ = upper; }
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }

  const std::string& sid() const { return sid_; }
  TransportKind transport() const { return transport_; }
  bool upgrading() const { return probe_channel_ != 0; }
  bool upgraded() const { return upgraded_; }
  bool closed() const { return closed_; }
  const std::string& close_reason() const { return close_reason_; }
  std::size_t queued_bytes() const { return queued_bytes_; }
  // The peer stopped reading: its output overflowed. The adapter closes the
  // connection at once instead of draining it (nothing would drain).
  bool aborted() const { return aborted_; }

  // The layer above accepted the peer (Socket.IO CONNECT): messages may now be
  // up to max_payload, and the session no longer counts as a pending handshake.
  void admit() { admitted_ = true; }
  bool admitted() const { return admitted_; }
  // The longest message the peer may send now (WebSocket message, polling body).
  std::uint64_t message_limit() const {
    return admitted_ || config_.max_pre_admission_payload == 0 ? config_.max_payload
                                                               : config_.max_pre_admission_payload;
  }

  // --- from the layer above
  // Queues a MESSAGE: a text frame that starts with '4', or a binary frame.
  // Over max_write_queue_bytes → the session closes ("write queue overflow")
  // and is aborted().
  void send(Frame message);
  // Server-initiated close. Packets already queued are still written (a
  // parked poll gets them followed by a CLOSE packet; a WebSocket drains,
  // then closes).
  void close(std::string_view reason);

  // --- HTTP long-polling
  // A GET with this sid. reject: another GET is already parked; the session
  // closes (answer the new one 400; the parked one gets the CLOSE packet).
  GetVerdict on_poll_get(TimePoint now);
  // True when the parked GET can be answered now.
  bool poll_ready() const;
  // The body for the GET (packets joined by 0x1E); un-parks it.
  std::string take_poll_body();
  // The parked GET's connection went away before its answer.
  void on_poll_aborted();
  PostStatus on_poll_post(std::string_view body, bool binary_content_type, TimePoint now);

  // --- WebSocket channels (ids chosen by the adapter, non-zero)
  // A WebSocket with this sid asks to upgrade. false: already upgrading or
  // upgraded (the adapter accepts it, then closes it, like the reference).
  bool begin_upgrade(std::uint64_t channel, TimePoint now);
  void on_ws_frame(std::uint64_t channel, std::string_view data, bool binary, TimePoint now);
  void on_ws_closed(std::uint64_t channel);
  std::optional<Frame> take_ws_frame(std::uint64_t channel);
  // false once the adapter should close this WebSocket (after draining
  // take_ws_frame): session closed, probe failed, or a stranger channel.
  bool ws_channel_alive(std::uint64_t channel) const;

  // --- time
  std::optional<TimePoint> next_deadline() const;
  void on_tick(TimePoint now);

 private:
  void handle_packet(char type, std::string_view data, bool binary, bool via_polling, TimePoint now);
  void complete_upgrade();
  void fail_probe();
  void push(Frame f);
  void notify();

  std::string sid_;
  EngineConfig config_;
  TransportKind transport_;
  EngineUpper* upper_ = nullptr;
  std::function<void()> wake_;

  FrameQueue outbox_;
  std::size_t queued_bytes_ = 0;

  bool closed_ = false;
  bool aborted_ = false;
  bool admitted_ = false;
  std::string close_reason_;
  std::string close_packet_ = "1";  // what a parked poll gets last: CLOSE, or NOOP when the client closed

  bool poll_parked_ = false;

  std::uint64_t ws_channel_ = 0;     // the active WebSocket (transport_ == websocket)
  std::uint64_t probe_channel_ = 0;  // a WebSocket probing an upgrade from polling
  FrameQueue probe_outbox_;   // "3probe"
  bool probed_ = false;              // "2probe" answered: parked polls get NOOP
  bool upgraded_ = false;

  std::optional<TimePoint> next_ping_;
  std::optional<TimePoint> pong_deadline_;
  std::optional<TimePoint> upgrade_deadline_;
};

}  // namespace scansync::gateway
