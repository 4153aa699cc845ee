// NativeClient: a ClientDriver whose Platform is Asio (one strand, a
// steady_timer) and Beast (net::WebSocketConnector).
#include "scansync/client/native_client.h"

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "net/websocket_transport.h"
#include "scansync/client/client_driver.h"

namespace scansync::client {

namespace asio = boost::asio;

namespace {

// A Beast WebSocket as the driver's Transport. Dropping it does not end the
// connection: close() or abort() does (pending operations keep it alive).
class BeastTransport : public Transport {
 public:
  explicit BeastTransport(std::shared_ptr<net::WebSocketTransport> ws) : ws_(std::move(ws)) {}
  void send(std::string frame) override { ws_->send(std::move(frame)); }
  void close() override { ws_->close(); }
  void abort() override { ws_->abort(); }

 private:
  std::shared_ptr<net::WebSocketTransport> ws_;
};

}  // namespace

// Invariants:
// - Everything below `strand` is touched only on the strand, under `call_mutex`.
// - `alive` turns false once, in ~NativeClient; afterwards no input reaches
//   the driver, no user callback runs, and the Platform methods do nothing
//   (the driver itself is destroyed by shutdown(), on the strand).
// - `timer_generation` changes whenever the driver re-arms or cancels the
//   timer, so a completion of an earlier wait is recognised and ignored.
//   Transport completions need no such filter: the driver ignores reports
//   for a TransportId it no longer uses.
struct NativeClient::Impl : Platform, std::enable_shared_from_this<NativeClient::Impl> {
  Impl(asio::io_context& io, std::unique_ptr<asio::io_context> owned, NativeClientOptions& options)
      : owned_io(std::move(owned)),
        strand(asio::make_strand(io)),
        timer(strand),
        driver(std::make_unique<ClientDriver>(std::move(options.core), std::move(options.tokens), *this)) {}

  // Owned io_context first: destroyed last, after everything bound to it.
  std::unique_ptr<asio::io_context> owned_io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> owned_work;
  std::thread owned_thread;

  asio::strand<asio::io_context::executor_type> strand;
  std::recursive_mutex call_mutex;  // recursive: a callback may destroy the client
  std::atomic<bool> alive{true};

  asio::steady_timer timer;
  std::uint64_t timer_generation = 0;
  std::unique_ptr<net::WebSocketConnector> connector;
  std::unique_ptr<ClientDriver> driver;  // after what its Platform methods use

  // Our subscription ids (handed out on any thread) -> the driver's.
  std::atomic<SubscriptionId> next_id{1};
  std::map<SubscriptionId, SubscriptionId> driver_ids;

  struct Snapshot {
    StatusInfo status;
    bool recovered = false;
    std::uint64_t dropped = 0;
    std::size_t queued = 0;
    std::string last_transport_error;
  };
  mutable std::mutex snapshot_mutex;
  Snapshot snapshot;

  // Runs `f` on the strand with the driver (which executes what follows).
  template <class F>
  void run(F f) {
    asio::post(strand, [weak = weak_from_this(), f = std::move(f)]() mutable {
      if (auto self = weak.lock()) self->enter(f);
    });
  }

  // On the strand: `f` against the driver, unless the client is gone.
  template <class F>
  void enter(F& f) {
    std::lock_guard lock(call_mutex);
    if (!alive) return;
    f(*this);
    if (alive) refresh_snapshot();
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
    snapshot.status = driver->status();
    snapshot.recovered = driver->recovered();
    snapshot.dropped = driver->dropped_count();
    snapshot.queued = driver->queued_count();
    snapshot.last_transport_error = driver->last_transport_error();
  }

  // ---- Platform (called by the driver, on the strand) ----
  std::unique_ptr<Transport> open_transport(std::string_view query, TransportId id) override {
    if (!alive) return nullptr;
    // The transport runs its handlers on the strand, never from inside its own methods.
    auto input = [weak = weak_from_this()](auto deliver) {
      return [weak, deliver](auto... args) {
        if (auto self = weak.lock()) {
          auto f = [&](Impl& s) { deliver(s, args...); };
          self->enter(f);
        }
      };
    };
    net::TransportHandlers handlers;
    handlers.on_open = input([id](Impl& s) { s.driver->transport_opened(id); });
    handlers.on_text = input([id](Impl& s, std::string_view text) { s.driver->transport_text(id, text); });
    handlers.on_binary = input([id](Impl& s, std::string_view data) { s.driver->transport_binary(id, data); });
    handlers.on_closed = input([id](Impl& s, std::string_view why) { s.driver->transport_closed(id, why); });
    return std::make_unique<BeastTransport>(connector->open(query, std::move(handlers)));
  }

  void arm_timer(TimePoint deadline) override {
    const std::uint64_t generation = ++timer_generation;
    if (!alive) return;
    timer.expires_at(deadline);
    timer.async_wait([weak = weak_from_this(), generation](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self) return;
      auto f = [generation](Impl& s) {
        if (generation == s.timer_generation) s.driver->timer_fired();
      };
      self->enter(f);
    });
  }

  void cancel_timer() override {
    ++timer_generation;
    timer.cancel();
  }

  TimePoint now() override { return Clock::now(); }

  // On the strand, after `alive` went false.
  void shutdown() {
    std::lock_guard lock(call_mutex);
    driver.reset();  // aborts the transport, cancels the timer
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
  impl->snapshot.status = impl->driver->status();
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
  impl_->run([](Impl& s) { s.driver->connect(); });
}

void NativeClient::disconnect() {
  impl_->run([](Impl& s) { s.driver->disconnect(); });
}

void NativeClient::emit(std::string event, std::string args_json, AckHandler ack) {
  impl_->run([event = std::move(event), args = std::move(args_json), ack = std::move(ack)](Impl& s) mutable {
    AckHandler wrapped;
    if (ack) wrapped = s.guarded(std::move(ack));
    s.driver->emit(event, args, std::move(wrapped));
  });
}

void NativeClient::set_online(bool online) {
  impl_->run([online](Impl& s) { s.driver->set_online(online); });
}

void NativeClient::set_foreground(bool foreground) {
  impl_->run([foreground](Impl& s) { s.driver->set_foreground(foreground); });
}

SubscriptionId NativeClient::on(std::string event, EventHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->run([id, event = std::move(event), handler = std::move(handler)](Impl& s) mutable {
    s.driver_ids[id] = s.driver->on(std::move(event), s.guarded(std::move(handler)));
  });
  return id;
}

SubscriptionId NativeClient::on_status(StatusHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->run([id, handler = std::move(handler)](Impl& s) mutable {
    s.driver_ids[id] = s.driver->on_status(s.guarded(std::move(handler)));
  });
  return id;
}

SubscriptionId NativeClient::on_transport_error(TransportErrorHandler handler) {
  const SubscriptionId id = impl_->next_id++;
  impl_->run([id, handler = std::move(handler)](Impl& s) mutable {
    s.driver_ids[id] = s.driver->on_transport_error(s.guarded(std::move(handler)));
  });
  return id;
}

void NativeClient::off(SubscriptionId id) {
  impl_->run([id](Impl& s) {
    if (auto it = s.driver_ids.find(id); it != s.driver_ids.end()) {
      s.driver->off(it->second);
      s.driver_ids.erase(it);
    }
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
