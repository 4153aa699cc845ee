#pragma once
// The scansync product on namespace "/" (see /work/shared/contract.md):
// JWT on CONNECT, the user's room, scan events (and REST calls) handed to the
// ScanRepository (scans/scan_repository.h: SQLite or PostgreSQL), and the
// resulting change published on the Fanout (fanout/fanout.h: local rooms or
// Redis between nodes).
//
// Group commit: the requests of one event-loop turn become ONE repository
// batch. The first request of a turn asks the host for a flush
// (request_flush); the host calls flush() once the turn's input is handled,
// which submits the batch. Until its completion nothing of it leaves; then,
// in arrival order, each ack / REST answer is released, and each change
// (Created{existing=false}, Removed{already_deleted=false}) is published,
// after its ack, as a frame encoded once. A batch that failed as a whole
// answers every request unavailable/internal and publishes nothing: no
// change is acked unless committed. A socket gone meanwhile is skipped.
//
// Fan-out: the node subscribes a user when its first local socket joins the
// room (after reading the user's latest seq: the GapTracker's start) and
// unsubscribes on the last. Every delivery — this node's own and the other
// nodes' — goes through the GapTracker (fanout/gap_tracker.h): duplicates are
// dropped, and a gap, a hint or a link coming back is backfilled from the
// repository (changes_since) before the next live change, in seq order.
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fanout/fanout.h"
#include "fanout/gap_tracker.h"
#include "gateway/application.h"
#include "gateway/engine_session.h"
#include "gateway/gateway_observer.h"
#include "gateway/rate_limiter.h"
#include "gateway/rooms.h"
#include "scans/scan_requests.h"
#include "scansync/auth/jwt.h"

namespace scansync::gateway {

// The CONNECT_ERROR payload for an auth error:
// {"message":"unauthorized","data":{"code":"token_missing"|"token_invalid"|"token_expired"}}
std::string unauthorized_payload(std::error_code ec);

// The token a CONNECT carries: the auth object's "token", else the handshake
// query's "token", else empty (token_missing).
std::string token_of(std::string_view auth, const HandshakeInfo& handshake);

struct ScanAppLimits {
  // Socket events per user (token bucket); past it the ack is rate_limited. 0: no limit.
  double events_per_s = 100;
  double event_burst = 500;
};

// Makes the node's fan-out around the sink the app provides (which must
// outlive nothing: the app destroys the fan-out first).
using FanoutFactory = std::function<std::unique_ptr<fanout::Fanout>(fanout::FanoutSink& sink)>;

struct ScanAppHooks {
  // Called when a batch opens; flush() must follow once the current input is
  // handled. Empty: every request is submitted at once (no batching).
  std::function<void()> request_flush;
  // Runs `fn` after `delay` on the event loop (retries of failed backfills
  // and tracking reads). Empty: no retries.
  std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)> after;
  // Told of refused tokens, acks, changes, deliveries, batches (with their
  // duration), backfills and store failures; null: nobody listens.
  GatewayObserver* observer = nullptr;
  // Monotonic clock timing a batch; empty: batches are not timed (0 s).
  std::function<TimePoint()> now;
};

class ScanApp final : public Application {
 public:
  // `repository` must outlive the app. `now_unix_s`: clock for token expiry;
  // `service.now_unix_ms` for deletedAt. `make_fanout` empty: LocalFanout.
  ScanApp(scans::ScanRepository& repository, scans::RequestOptions service, auth::VerifierOptions verifier,
          std::function<std::int64_t()> now_unix_s, ScanAppLimits limits = {}, ScanAppHooks hooks = {},
          const FanoutFactory& make_fanout = {});
  ~ScanApp() override;

  bool has_namespace(std::string_view nsp) const override { return nsp == "/"; }
  std::optional<std::string> authorize(SioSocket& socket, std::string_view auth, const HandshakeInfo& handshake) override;
  void on_connect(SioSocket&) override {}
  void on_event(SioSocket& socket, const IncomingEvent& event) override;
  void on_disconnect(SioSocket& socket) override;

  const RoomRegistry& rooms() const { return rooms_; }
  fanout::FanoutStatus fanout_status() const { return fanout_->status(); }
  const fanout::GapTrackerStats& tracker_stats() const { return tracker_.stats(); }
  scans::RepositoryStatus repository_status() const { return repository_.status(); }
  // No batch open or awaiting its completion.
  bool idle() const { return pending_.empty() && in_flight_.empty(); }

  // A REST call of an authenticated `user` under /api/scans; `done` gets the
  // status and body once the batch it joined completed. A change made this
  // way reaches the user's sockets like one made on a socket.
  using RestDone = std::function<void(int status, std::string body)>;
  void handle_rest(std::string_view user, std::string_view method, std::string_view target, std::string_view body,
                   RestDone done);

  // Submits the open batch; its answers and publishes follow its completion.
  void flush();

  // The /readyz write probe (scans::ProbeWrite), joined to the turn's batch
  // like a change, so it never interleaves with an open transaction; `done`
  // gets nullopt once it committed, else the error (the batch's or its own).
  using ProbeDone = std::function<void(std::optional<scans::RepositoryError>)>;
  void probe_store(ProbeDone done);

 private:
  // An answer held until its batch completes.
  struct Pending {
    SioSocket* socket = nullptr;  // the asking socket; nulled if it leaves meanwhile
    std::optional<std::uint64_t> ack_id;
    RestDone rest_done;    // set for a REST call instead of a socket
    ProbeDone probe_done;  // set for the readiness probe instead
    std::string user;
    std::string event;  // the socket event, for the ack's report
    scans::ScanRequest request;
    bool track = false;  // not a request: the latest seq to start tracking `user` from
  };
  using Batch = std::vector<Pending>;
  void join_room(SioSocket& socket, const IncomingEvent& event);
  void want_tracking(const std::string& user);
  void release_joins(const std::string& user);
  void hold(Pending p);
  void complete(std::list<Batch>::iterator batch, TimePoint submitted_at, scans::BatchResult result);
  void release(Pending& p, const scans::OperationResult& result);
  void start_tracking(const std::string& user, const scans::OperationResult& result);
  void backfill(const fanout::BackfillRequest& request);
  void deliver(std::string_view user, const fanout::EncodedFrame& frame);
  void arm_tick();
  std::int64_t now_ms() const;
  void report_ack(const SioSocket& socket, std::string_view event, std::string_view result);

  scans::ScanRepository& repository_;
  scans::RequestOptions service_;
  auth::VerifierOptions verifier_;
  std::function<std::int64_t()> now_unix_s_;
  RateLimiter event_limiter_;  // per user, across all of the user's sockets
  ScanAppHooks hooks_;
  RoomRegistry rooms_;
  Batch pending_;                 // the open batch, in arrival order
  std::list<Batch> in_flight_;    // submitted, awaiting completion (in submit order)
  std::set<std::string> tracking_asked_;  // users whose latest seq is being read (or is due)
  // room:join acks held until their user is tracked (socket nulled if it leaves).
  struct WaitingJoin {
    SioSocket* socket = nullptr;
    std::uint64_t ack_id = 0;
    std::string reply;
    std::string result;  // "ok" or the refusal, for the report
  };
  std::map<std::string, std::vector<WaitingJoin>> joins_waiting_;
  bool tick_armed_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // completions hold it weakly
  fanout::GapTracker tracker_;
  fanout::TrackingSink sink_{tracker_};
  std::unique_ptr<fanout::Fanout> fanout_;  // last: destroyed first, before the sink it calls
};

}  // namespace scansync::gateway
