#pragma once
// The scansync product on namespace "/" (see /work/shared/contract.md):
// JWT on CONNECT, the user's room, scan events handed to the ScanService,
// and the resulting change broadcast to the user's room.
#include <cstdint>
#include <functional>

#include "gateway/application.h"
#include "gateway/rate_limiter.h"
#include "gateway/rooms.h"
#include "scansync/auth/jwt.h"

namespace scansync::gateway {

class ScanService;

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

class ScanApp final : public Application {
 public:
  // `service` must outlive the app. `now_unix_s`: clock for token expiry.
  ScanApp(ScanService& service, auth::VerifierOptions verifier, std::function<std::int64_t()> now_unix_s,
          ScanAppLimits limits = {});

  bool has_namespace(std::string_view nsp) const override { return nsp == "/"; }
  std::optional<std::string> authorize(SioSocket& socket, std::string_view auth, const HandshakeInfo& handshake) override;
  void on_connect(SioSocket&) override {}
  void on_event(SioSocket& socket, const IncomingEvent& event) override;
  void on_disconnect(SioSocket& socket) override;

  const RoomRegistry& rooms() const { return rooms_; }
  // A change made outside a socket (REST) reaches the user's room too.
  void broadcast_to_user(std::string_view user, const Frame& frame);

 private:
  void join_room(SioSocket& socket, const IncomingEvent& event);

  ScanService& service_;
  auth::VerifierOptions verifier_;
  std::function<std::int64_t()> now_unix_s_;
  RateLimiter event_limiter_;  // per user, across all of the user's sockets
  RoomRegistry rooms_;
};

}  // namespace scansync::gateway
