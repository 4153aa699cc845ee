// NativeClient: executes the core's actions with Asio and feeds it what the
// transport and the timer report, all on one strand.
#include "scansync/client/native_client.h"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/websocket_transport.h"
#include "scansync/client/client_core.h"

namespace scansync::client {

namespace asio = boost::asio;

// Invariants:
// - Everything below `strand` is touched only on the strand, under `call_mutex`.
// - `alive` turns false once, in ~NativeClient; afterwards no input reaches
//   the core and no user callback runs.
// - `transport_generation` / `timer_generation` change whenever the core
//   replaces or drops the transport / timer, so a completion belonging to an
//   earlier one is recognised and ignored.
struct NativeClient::Impl : std::enable_shared_from_this<NativeClient::Impl> {
  Impl(asio::io_context& io, std::unique_ptr<asio::io_context> owned, NativeClientOptions& options)
      : owned_io(std::move(owned)),
        strand(asio::make_strand(io)),
        timer(strand),
        core(std::move(options.core), std::move(options.tokens), [] { return Clock::now(); }) {}

  // Owned io_context first: destroyed last, after everything bound to it.
  std::unique_ptr<asio::io_context> owned_io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> owned_work;
  std::thread owned_thread;

  asio::strand<asio::io_context::executor_type> strand;
  std::recursive_mutex call_mutex;  // recursive: a callback may destroy the client
  std::atomic<bool> alive{true};

  asio::steady_timer timer;
  std::uint64_t timer_generation = 0;
  ClientCore core;
  std::unique_ptr<net::WebSocketConnector> connector;
  std::shared_ptr<net::WebSocketTransport> transport;
  std::uint64_t transport_generation = 0;

  // Our subscription ids -> the core's (events, status) or our own handlers.
  std::atomic<SubscriptionId> next_id{1};
  std::map<SubscriptionId, SubscriptionId> core_ids;
  std::map<SubscriptionId, TransportErrorHandler> transport_error_handlers;

  struct Snapshot {
    StatusInfo status;
    bool recovered = false;
    std::uint64_t dropped = 0;
    std::size_t queued = 0;
    std::string last_transport_error;
  };
  mutable std::mutex snapshot_mutex;
  Snapshot snapshot;

  // Runs `f` on the strand with the core, then executes what it asked for.
  template <class F>
  void run(F f) {
    asio::post(strand, [weak = weak_from_this(), f = std::move(f)]() mutable {
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->call_mutex);
      if (!self->alive) return;
      f(*self);
      self->pump();
    });
  }

  // Wraps a user callback so that it never runs after ~NativeClient, even
  // when the destructor was called by an earlier callback of the same input,
  // and so that the observers it calls (status(), recovered(), …) see the
  // state the callback is about.
  template <class Fn>
  auto guarded(Fn fn) {
    return [this, fn = std::move(fn)](const auto&... args) {
      if (!alive) return;
      refresh_snapshot();
      fn(args...);
    };
  }

  void refresh_snapshot() {
    std::lock_guard lock(snapshot_mutex);
    snapshot.status = core.status();
    snapshot.recovered = core.recovered();
    snapshot.dropped = core.dropped_count();
    snapshot.queued = core.queued_count();
  }

  void pump() {
    while (alive) {
      auto actions = core.take_actions();
      if (actions.empty()) break;
      for (auto& action : actions) {
        if (!alive) return;
        std::visit([this](auto& a) { execute(a); }, action);
      }
    }
    refresh_snapshot();
  }

  void execute(OpenTransport& open) {
    drop_transport(/*graceful=*/false);
    const std::uint64_t generation = transport_generation;
    auto weak = weak_from_this();
    // Each handler re-checks liveness and generation: it belongs to exactly one transport.
    auto input = [weak, generation](auto deliver) {
      return [weak, generation, deliver](auto... args) {
        auto self = weak.lock();
        if (!self) return;
        std::lock_guard lock(self->call_mutex);
        if (!self->alive || generation != self->transport_generation) return;
        deliver(*self, args...);
        self->pump();
      };
    };
    net::TransportHandlers handlers;
    handlers.on_open = input([](Impl& s) { s.core.on_transport_open(); });
    handlers.on_text = input([](Impl& s, std::string_view text) { s.core.on_transport_text(text); });
    handlers.on_binary = input([](Impl& s, std::string_view data) { s.core.on_transport_binary(data); });
    handlers.on_closed = input([](Impl& s, std::string_view why) {
      s.transport.reset();
      ++s.transport_generation;
      s.report_transport_error(why);
      s.core.on_transport_closed(why);
    });
    transport = connector->open(open.query, std::move(handlers));
  }

  void execute(CloseTransport&) { drop_transport(/*graceful=*/true); }

  void execute(SendText& send) {
    if (transport) transport->send(std::move(send.frame));
  }

  void execute(ArmTimer& arm) {
    const std::uint64_t generation = ++timer_generation;
    timer.expires_at(arm.deadline);
    timer.async_wait([weak = weak_from_this(), generation](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->call_mutex);
      if (!self->alive || generation != self->timer_generation) return;
      self->core.on_timer();
      self->pump();
    });
  }

  void execute(CancelTimer&) {
    ++timer_generation;
    timer.cancel();
  }

  void drop_transport(bool graceful) {
    ++transport_generation;
    if (!transport) return;
    if (graceful) {
      transport->close();
    } else {
      transport->abort();
    }
    transport.reset();
  }

  void report_transport_error(std::string_view why) {
    {
      std::lock_guard lock(snapshot_mutex);
      snapshot.last_transport_error = std::string(why);
    }
    // Copy: a handler may off() itself or others.
    auto handlers = transport_error_handlers;
    for (auto& [id, handler] : handlers) {
      if (!alive) return;
      handler(why);
    }
  }

  // On the strand, after `alive` went false.
  void shutdown() {
    drop_transport(/*graceful=*/false);
    ++timer_generation;
    timer.cancel();
    if (owned_io) {
      owned_work.reset();
      owned_io->stop();
    }
  }
};

namespace {

Result<std::shared_ptr<NativeClient::Impl>> make_impl(asio::io_context& io, std::unique_ptr<asio::io_context> owned,
                                                       NativeClientOptions& options) {
  auto url = parse_server_url(options.url);
  if (!url) return url.error();
  const auto tls = options.tls;
  const auto max_payload = options.max_payload;
  auto impl = std::make_shared<NativeClient::Impl>(io, std::move(owned), options);
  auto connector = net::WebSocketConnector::create(impl->strand, std::move(*url), tls, max_payload);
  if (!connector) return connector.error();
  impl->connector = std::move(*connector);
  impl->snapshot.status = impl->core.status();
  return impl;
}

}  // namespace

Result<std::unique_ptr<NativeClient>> NativeClient::create(asio::io_context& io, NativeClientOptions options) {
  auto impl = make_impl(io, nullptr, options);
  if (!impl) return impl.error();
  return std::unique_ptr<NativeClient>(new NativeClient(std::move(*impl)));
}

Result<std::unique_ptr<NativeClient>> NativeClient::create(NativeClientOptions options) {
  auto io = std::make_unique<asio::io_context>(1);
  auto& io_ref = *io;
  auto impl = make_impl(io_ref, std::move(io), options);
  if (!impl) return impl.error();
  auto& s = **impl;
  s.owned_work.emplace(s.owned_io->get_executor());
  // The thread keeps the Impl (and so the io_context) alive until run()
  // returns, so that a client destroyed from its own callback can detach it.
  s.owned_thread = std::thread([keep = *impl] { keep->owned_io->run(); });
  return std::unique_ptr<NativeClient>(new NativeClient(std::move(*impl)));
}

NativeClient::NativeClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

NativeClient::~NativeClient() {
  {
    // Waits for a callback running on another thread; re-entrant on the strand's own.
    std::lock_guard lock(impl_->call_mutex);
    impl_->alive = false;
  }
  asio::post(impl_->strand, [impl = impl_] { impl->shutdown(); });
  if (impl_->owned_thread.joinable()) {
    if (impl_->owned_thread.get_id() == std::this_thread::get_id()) {
      impl_->owned_thread.detach();
    } else {
      impl_->owned_thread.join();
    }
  }
}

void NativeClient::connect() {
  impl_->run([](Impl& s) { s.core.connect(); });
}

void NativeClient::disconnect() {
  impl_->run([](Impl& s) { s.core.disconnect(); });
}

void NativeClient::emit(std::string event, std::string args_json, AckHandler ack) {
  impl_->run([event = std::move(event), args = std::move(args_json), ack = std::move(ack)](Impl& s) mutable {
    AckHandler wrapped;
    if (ack) wrapped = s.guarded(std::move(ack));
    s.core.emit(event, args, std::move(wrapped));
  });
}

void NativeClient::set_online(bool online) {
  impl_->run([online](Impl& s) { s.core.set_online(online); });
}

void NativeClient::set_foreground(bool foreground) {
  impl_->run([foreground](Impl& s) { s.core.set_foreground(foreground); });
}

SubscriptionId NativeClient::on(std::string event, EventHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->run([id, event = std::move(event), handler = std::move(handler)](Impl& s) mutable {
    s.core_ids[id] = s.core.on(std::move(event), s.guarded(std::move(handler)));
  });
  return id;
}

SubscriptionId NativeClient::on_status(StatusHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->run([id, handler = std::move(handler)](Impl& s) mutable {
    s.core_ids[id] = s.core.on_status(s.guarded(std::move(handler)));
  });
  return id;
}

SubscriptionId NativeClient::on_transport_error(TransportErrorHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->run([id, handler = std::move(handler)](Impl& s) mutable {
    s.transport_error_handlers[id] = s.guarded(std::move(handler));
  });
  return id;
}

void NativeClient::off(SubscriptionId id) {
  impl_->run([id](Impl& s) {
    if (auto it = s.core_ids.find(id); it != s.core_ids.end()) {
      s.core.off(it->second);
      s.core_ids.erase(it);
    }
    s.transport_error_handlers.erase(id);
  });
}

StatusInfo NativeClient::status() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->snapshot.status;
}

bool NativeClient::recovered() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->snapshot.recovered;
}

std::uint64_t NativeClient::dropped_count() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->snapshot.dropped;
}

std::size_t NativeClient::queued_count() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->snapshot.queued;
}

std::string NativeClient::last_transport_error() const {
  std::lock_guard lock(impl_->snapshot_mutex);
  return impl_->snapshot.last_transport_error;
}

}  // namespace scansync::client
