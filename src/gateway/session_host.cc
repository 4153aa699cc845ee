#include "gateway/session_host.h"

#include <boost/asio/post.hpp>

#include "gateway/conformance_app.h"
#include "gateway/gateway_observer.h"
#include "gateway/ids.h"
#include "gateway/sio_client.h"

namespace scansync::gateway {

SessionHost::SessionHost(std::shared_ptr<SessionOwner> owner, std::string sid, TransportKind kind,
                         std::uint64_t ws_channel, HandshakeInfo handshake, bool engine_only,
                         std::string pending_address)
    : owner_(std::move(owner)),
      pending_address_(std::move(pending_address)),
      engine_(std::move(sid), kind, owner_->engine_config(), Clock::now(), ws_channel),
      timer_(owner_->event_loop()) {
  if (engine_only) {
    engine_.admit();  // the raw echo has no CONNECT: nothing to wait for
    upper_ = std::make_unique<EngineEcho>(engine_);
  } else {
    auto sio = std::make_unique<SioClient>(engine_, owner_->application(), std::move(handshake),
                                           owner_->connect_timeout(), Clock::now(), &random_id);
    sio_ = sio.get();
    upper_ = std::move(sio);
  }
  engine_.set_upper(upper_.get());
}

SessionHost::~SessionHost() {
  end_pending();
  // The upper layer must not hear from the engine while it is torn down.
  engine_.set_upper(nullptr);
  engine_.set_wake({});
}

void SessionHost::end_pending() {
  if (pending_address_.empty()) return;
  owner_->handshake_ended(pending_address_);
  pending_address_.clear();
}

void SessionHost::start() {
  std::weak_ptr<SessionHost> weak = shared_from_this();
  engine_.set_wake([weak] {
    if (auto self = weak.lock()) self->schedule_pump();
  });
  rearm();
}

void SessionHost::add_ws(std::uint64_t channel, std::weak_ptr<WsPort> port) {
  ports_.emplace_back(channel, std::move(port));
}

void SessionHost::schedule_pump() {
  if (pump_scheduled_) return;
  pump_scheduled_ = true;
  boost::asio::post(owner_->event_loop(), [self = shared_from_this()] {
    self->pump_scheduled_ = false;
    self->pump();
  });
}

void SessionHost::pump() {
  auto self = shared_from_this();  // removal from the session table below must not destroy us mid-call
  // pump() never runs inside a session's input or a broadcast: no socket of
  // this session is on the call stack here.
  if (sio_) sio_->release_departed();
  if (engine_.admitted() || engine_.closed()) end_pending();
  if (parked_ && engine_.poll_ready()) {
    auto waiter = std::move(parked_);
    parked_.reset();
    waiter->complete(engine_.take_poll_body());
  }
  for (auto it = ports_.begin(); it != ports_.end();) {
    auto port = it->second.lock();
    if (!port) {
      it = ports_.erase(it);
      continue;
    }
    port->pump();
    ++it;
  }
  if (engine_.closed()) {
    if (!finished_) {
      finished_ = true;
      timer_.cancel();
      armed_.reset();
      owner_->observer().session_closed(SessionClosed{engine_.sid(), sio_ ? std::string_view(sio_->user()) : "",
                                                      transport_name(engine_.transport() == TransportKind::websocket),
                                                      engine_.close_reason()});
      owner_->session_ended(engine_.sid());
    }
    return;
  }
  rearm();
}

void SessionHost::rearm() {
  auto deadline = engine_.next_deadline();
  if (deadline == armed_) return;
  armed_ = deadline;
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(*deadline);
  std::weak_ptr<SessionHost> weak = shared_from_this();
  timer_.async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or cancelled
    auto self = weak.lock();
    if (!self) return;
    self->armed_.reset();
    self->engine_.on_tick(Clock::now());
    self->pump();
  });
}

void SessionHost::shutdown(std::string_view reason) {
  if (sio_) {
    sio_->shutdown(reason);
  } else {
    engine_.close(reason);
  }
  pump();
}

}  // namespace scansync::gateway
