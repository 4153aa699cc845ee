// ClientDriver: runs the core's actions through the Platform and feeds the
// Platform's reports back, one pump at a time.
#include "scansync/client/client_driver.h"

#include <map>
#include <utility>
#include <variant>
#include <vector>

#include "scansync/client/client_core.h"

namespace scansync::client {

// Invariants:
// - `depth` counts the calls into the driver on the stack; only the
//   outermost one pumps, so a re-entrant call never starts a second pump.
// - `alive` turns false once, in ~ClientDriver; afterwards nothing reaches
//   the Platform, the transports or the user's callbacks any more.
// - `current` is the id of the transport the core believes in (0: none);
//   `transport` is its object, null while open_transport() is running or
//   when the platform returned none.
// - `retired` holds closed or aborted transports until depth returns to 0.
struct ClientDriver::Impl {
  Impl(ClientOptions options, TokenProvider provider, Platform& p)
      : platform(p),
        tokens(std::move(provider)),
        core(std::move(options), [this] { return alive && tokens ? tokens() : std::string(); },
             [this] { return platform.now(); }) {}

  Platform& platform;
  TokenProvider tokens;
  bool alive = true;
  int depth = 0;
  TransportId current = 0;
  TransportId last_id = 0;
  std::unique_ptr<Transport> transport;
  std::vector<std::unique_ptr<Transport>> retired;
  bool timer_armed = false;
  std::string last_transport_error;

  // Our ids -> the core's subscription, or a transport-error handler of ours.
  SubscriptionId next_id = 1;
  std::map<SubscriptionId, SubscriptionId> core_ids;
  std::map<SubscriptionId, TransportErrorHandler> transport_error_handlers;

  ClientCore core;  // last: its callbacks reach the members above

  // Runs `f` against the core, then (outermost call only) executes the
  // actions. `self` keeps the state alive if a callback destroys the driver.
  template <class F>
  static void input(const std::shared_ptr<Impl>& impl, F f) {
    std::shared_ptr<Impl> self = impl;
    if (!self->alive) return;
    ++self->depth;
    f(*self);
    if (self->depth == 1) self->pump();
    if (--self->depth == 0) self->retired.clear();
  }

  // A user callback that never runs once the driver is gone.
  template <class Fn>
  auto guarded(Fn fn) {
    return [this, fn = std::move(fn)](const auto&... args) {
      if (alive) fn(args...);
    };
  }

  void pump() {
    while (alive) {
      auto actions = core.take_actions();
      if (actions.empty()) return;
      for (auto& action : actions) {
        if (!alive) return;
        std::visit([this](auto& a) { execute(a); }, action);
      }
    }
  }

  void execute(OpenTransport& open) {
    drop_transport(/*graceful=*/false);
    const TransportId id = ++last_id;
    current = id;
    auto opened = platform.open_transport(open.query, id);
    if (current != id) {
      // Reported closed (or replaced) from inside open_transport().
      if (opened) retired.push_back(std::move(opened));
      return;
    }
    if (!opened) {
      closed(id, "the platform could not open a transport");
      return;
    }
    transport = std::move(opened);
  }

  void execute(CloseTransport&) { drop_transport(/*graceful=*/true); }

  void execute(SendText& send) {
    if (transport) transport->send(std::move(send.frame));
  }

  void execute(ArmTimer& arm) {
    timer_armed = true;
    platform.arm_timer(arm.deadline);
  }

  void execute(CancelTimer&) {
    timer_armed = false;
    platform.cancel_timer();
  }

  void drop_transport(bool graceful) {
    current = 0;
    if (!transport) return;
    if (graceful) {
      transport->close();
    } else {
      transport->abort();
    }
    retired.push_back(std::move(transport));
  }

  // The transport `id` closed by itself; the core decides what follows.
  void closed(TransportId id, std::string_view why) {
    if (id == 0 || id != current) return;
    current = 0;
    if (transport) retired.push_back(std::move(transport));
    last_transport_error = std::string(why);
    // Copy: a handler may off() itself or others.
    auto handlers = transport_error_handlers;
    for (auto& [sub, handler] : handlers) {
      if (!alive) return;
      handler(why);
    }
    if (alive) core.on_transport_closed(why);
  }

  // ~ClientDriver: after this nothing reaches the Platform any more.
  void shut_down() {
    alive = false;
    current = 0;
    if (transport) {
      transport->abort();
      retired.push_back(std::move(transport));
    }
    if (timer_armed) {
      timer_armed = false;
      platform.cancel_timer();
    }
  }
};

ClientDriver::ClientDriver(ClientOptions options, TokenProvider tokens, Platform& platform)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(tokens), platform)) {}

ClientDriver::~ClientDriver() {
  impl_->shut_down();
  // Outside any call the state goes now; from a callback, when the
  // outermost call returns (it holds a reference).
}

void ClientDriver::connect() {
  Impl::input(impl_, [](Impl& s) { s.core.connect(); });
}

void ClientDriver::disconnect() {
  Impl::input(impl_, [](Impl& s) { s.core.disconnect(); });
}

void ClientDriver::emit(std::string_view event, std::string_view args_json, AckHandler ack) {
  Impl::input(impl_, [&](Impl& s) {
    AckHandler wrapped;
    if (ack) wrapped = s.guarded(std::move(ack));
    s.core.emit(event, args_json, std::move(wrapped));
  });
}

void ClientDriver::set_online(bool online) {
  Impl::input(impl_, [online](Impl& s) { s.core.set_online(online); });
}

void ClientDriver::set_foreground(bool foreground) {
  Impl::input(impl_, [foreground](Impl& s) { s.core.set_foreground(foreground); });
}

void ClientDriver::transport_opened(TransportId id) {
  Impl::input(impl_, [id](Impl& s) {
    if (id != 0 && id == s.current) s.core.on_transport_open();
  });
}

void ClientDriver::transport_text(TransportId id, std::string_view frame) {
  Impl::input(impl_, [id, frame](Impl& s) {
    if (id != 0 && id == s.current) s.core.on_transport_text(frame);
  });
}

void ClientDriver::transport_binary(TransportId id, std::string_view frame) {
  Impl::input(impl_, [id, frame](Impl& s) {
    if (id != 0 && id == s.current) s.core.on_transport_binary(frame);
  });
}

void ClientDriver::transport_closed(TransportId id, std::string_view why) {
  Impl::input(impl_, [id, why](Impl& s) { s.closed(id, why); });
}

void ClientDriver::timer_fired() {
  Impl::input(impl_, [](Impl& s) {
    if (!s.timer_armed) return;  // cancelled since
    s.timer_armed = false;
    s.core.on_timer();
  });
}

SubscriptionId ClientDriver::on(std::string event, EventHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->core_ids[id] = impl_->core.on(std::move(event), impl_->guarded(std::move(handler)));
  return id;
}

SubscriptionId ClientDriver::on_status(StatusHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->core_ids[id] = impl_->core.on_status(impl_->guarded(std::move(handler)));
  return id;
}

SubscriptionId ClientDriver::on_transport_error(TransportErrorHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->transport_error_handlers[id] = std::move(handler);
  return id;
}

void ClientDriver::off(SubscriptionId id) {
  if (auto it = impl_->core_ids.find(id); it != impl_->core_ids.end()) {
    impl_->core.off(it->second);
    impl_->core_ids.erase(it);
  }
  impl_->transport_error_handlers.erase(id);
}

const StatusInfo& ClientDriver::status() const { return impl_->core.status(); }
bool ClientDriver::recovered() const { return impl_->core.recovered(); }
std::uint64_t ClientDriver::dropped_count() const { return impl_->core.dropped_count(); }
std::size_t ClientDriver::queued_count() const { return impl_->core.queued_count(); }
const std::string& ClientDriver::last_transport_error() const { return impl_->last_transport_error; }

}  // namespace scansync::client
