#pragma once
// The scansync product on namespace "/" (see /work/shared/contract.md):
// JWT on CONNECT, the user's room, scan events (and REST calls) handed to the
// ScanService, and the resulting change broadcast to the user's room.
//
// Group commit: the service calls of one event-loop turn share one
// transaction (one fsync under Durability::full). The first call of a turn
// opens the batch and asks the host for a flush (request_flush); the host
// calls flush() once the turn's input is handled. Until then no ack, REST
// answer or broadcast of the batch leaves: each is released by flush() after
// the commit succeeded, in arrival order, or answered as failed if it did not.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gateway/application.h"
#include "gateway/engine_session.h"
#include "gateway/gateway_observer.h"
#include "gateway/rate_limiter.h"
#include "gateway/rooms.h"
#include "gateway/scan_service.h"
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

struct ScanAppHooks {
  // Called when a batch opens; flush() must follow once the current input is
  // handled. Empty: every call is committed and answered at once (no batching).
  std::function<void()> request_flush;
  // Told of refused tokens, acks, changes, deliveries, commits (with their
  // duration) and store failures; null: nobody listens.
  GatewayObserver* observer = nullptr;
  // Monotonic clock timing a batch's commit; empty: commits are not timed (0 s).
  std::function<TimePoint()> now;
};

class ScanApp final : public Application {
 public:
  // `service` must outlive the app. `now_unix_s`: clock for token expiry.
  ScanApp(ScanService& service, auth::VerifierOptions verifier, std::function<std::int64_t()> now_unix_s,
          ScanAppLimits limits = {}, ScanAppHooks hooks = {});

  bool has_namespace(std::string_view nsp) const override { return nsp == "/"; }
  std::optional<std::string> authorize(SioSocket& socket, std::string_view auth, const HandshakeInfo& handshake) override;
  void on_connect(SioSocket&) override {}
  void on_event(SioSocket& socket, const IncomingEvent& event) override;
  void on_disconnect(SioSocket& socket) override;

  const RoomRegistry& rooms() const { return rooms_; }

  // A REST call of an authenticated `user` under /api/scans; `done` gets the
  // status and body once the batch it joined is committed. A change made
  // this way reaches the user's room like one made on a socket.
  using RestDone = std::function<void(int status, std::string body)>;
  void handle_rest(std::string_view user, std::string_view method, std::string_view target, std::string_view body,
                   RestDone done);

  // Commits the open batch and releases its answers and broadcasts.
  void flush();

  // The /readyz write probe (ScanService::probe_write), joined to the turn's
  // batch like a change, so it never interleaves with an open transaction;
  // `done` gets its outcome once the batch committed (the commit's error, or
  // the probe's own).
  using ProbeDone = std::function<void(std::error_code)>;
  void probe_store(ProbeDone done);

 private:
  // An answer held until its batch commits.
  struct Pending {
    SioSocket* socket = nullptr;  // the asking socket; nulled if it leaves before the flush
    std::optional<std::uint64_t> ack_id;
    RestDone rest_done;           // set for a REST call instead of a socket
    ProbeDone probe_done;         // set for the readiness probe instead
    std::string user;
    std::string event;            // the socket event, for the ack's report
    Reply reply;
  };
  void join_room(SioSocket& socket, const IncomingEvent& event);
  void open_batch();
  void hold(Pending p);
  void release(Pending& p, std::error_code commit_error);
  void report_ack(const SioSocket& socket, std::string_view event, std::string_view result);

  ScanService& service_;
  auth::VerifierOptions verifier_;
  std::function<std::int64_t()> now_unix_s_;
  RateLimiter event_limiter_;  // per user, across all of the user's sockets
  ScanAppHooks hooks_;
  RoomRegistry rooms_;
  std::vector<Pending> pending_;  // the open batch's answers, in arrival order
};

}  // namespace scansync::gateway
