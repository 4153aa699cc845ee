#include "scansync/gateway/gateway.h"

#include <sys/resource.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "gateway/conformance_app.h"
#include "gateway/gateway_impl.h"
#include "gateway/host_facts.h"
#include "gateway/ids.h"
#include "gateway/log_format.h"
#include "gateway/scan_app.h"
#include "scans/sqlite_scan_repository.h"
#include "store/scan_store.h"
#include "gateway/sio_client.h"
#include "gateway/tls_context.h"

namespace scansync::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr auto kRefusalLogEvery = std::chrono::seconds(10);
constexpr auto kTlsFailureLogEvery = std::chrono::seconds(10);

std::size_t default_max_connections() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 1u << 20;
  const auto fds = static_cast<std::size_t>(lim.rlim_cur);
  return fds > 2 * GatewayOptions::kDescriptorHeadroom ? fds - GatewayOptions::kDescriptorHeadroom : fds / 2 + 1;
}

// accept() errors that mean "no descriptor or buffer for the new socket now";
// the connection stays in the listen queue until one is free.
bool out_of_descriptors(const boost::system::error_code& ec) {
  const int v = ec.value();
  return ec.category() == boost::system::system_category() &&
         (v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM);
}

}  // namespace

Gateway::Impl::Impl(asio::io_context& io_, GatewayOptions opts_) : io(io_),
      opts(std::move(opts_)),
      pending(opts.max_pending_handshakes, opts.max_pending_per_address),
      acceptor(io_),
      accept_pause(io_),
      logger(opts.log_level, [this] { return now_unix_ms(); }, opts.log) {
  observers.add(&logger);
  observers.add(&metrics);
  process_start_time_s = process_start_time_seconds().value_or(0);
  if (opts.write_timeout_ms == 0) opts.write_timeout_ms = opts.ping_timeout_ms;
  engine_config_.ping_interval = Millis(opts.ping_interval_ms);
  engine_config_.ping_timeout = Millis(opts.ping_timeout_ms);
  engine_config_.upgrade_timeout = Millis(opts.upgrade_timeout_ms);
  engine_config_.max_payload = opts.max_payload;
  // The protocol suites send what the reference servers take before CONNECT.
  engine_config_.max_pre_admission_payload = opts.conformance ? 0 : opts.max_pre_connect_payload;
  engine_config_.max_write_queue_bytes = opts.max_write_queue_bytes;
  max_connections = opts.max_connections ? opts.max_connections : default_max_connections();
  limits_.max_payload = opts.max_payload;
  limits_.write_timeout = Millis(opts.write_timeout_ms);
  limits_.tls_handshake_timeout = Millis(opts.connect_timeout_ms);
}

Gateway::Impl::~Impl() = default;

std::int64_t Gateway::Impl::now_unix_s() const {
  if (opts.now_unix_s) return opts.now_unix_s();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t Gateway::Impl::now_unix_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<SessionHost> Gateway::Impl::find_session(std::string_view sid) {
  auto it = sessions_.find(std::string(sid));
  return it == sessions_.end() ? nullptr : it->second;
}

std::shared_ptr<SessionHost> Gateway::Impl::create_session(TransportKind kind, std::uint64_t ws_channel,
                                                           HandshakeInfo handshake, bool engine_only,
                                                           std::string_view remote_address) {
  // The raw Engine.IO echo (conformance) has no CONNECT to wait for.
  if (!engine_only && !pending.try_begin(remote_address)) {
    observers.connection_refused(ConnectionRefused{"pending_handshakes", remote_address,
                                                   "too many sessions waiting for their Socket.IO CONNECT"});
    return nullptr;
  }
  handshake.remote_address = std::string(remote_address);
  std::string sid = random_id();
  auto host = std::make_shared<SessionHost>(shared_from_this(), sid, kind, ws_channel, std::move(handshake), engine_only,
                                            engine_only ? std::string() : std::string(remote_address));
  host->start();
  sessions_.emplace(sid, host);
  observers.session_opened(sid, transport_name(kind == TransportKind::websocket), remote_address);
  return host;
}

std::string remote_address_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto address = socket.remote_endpoint(ec).address();
  if (ec) return "unknown";
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

Route Gateway::Impl::route_of(std::string_view path) const { return gateway::route_of(path, opts.conformance); }

void Gateway::Impl::tls_handshake_failed(std::string_view remote, std::string_view detail) {
  const auto now = Clock::now();
  if (last_tls_failure_log_ && now - *last_tls_failure_log_ < kTlsFailureLogEvery) return;
  last_tls_failure_log_ = now;
  observers.notice(LogLevel::warn, "tls_handshake_failed", {{"remote", remote}, {"detail", detail}});
}

std::uint64_t Gateway::Impl::track(std::weak_ptr<Closable> c) {
  auto id = ++connection_counter_;
  connections_.emplace(id, std::move(c));
  return id;
}

std::string Gateway::Impl::health() const {
  if (stopped) return R"({"status":"stopping","ok":false})";
  if (!product) return R"({"status":"ok","ok":true})";
  return R"({"status":"ok","ok":true)" + product->health_details() + "}";
}

void Gateway::Impl::handle_api(std::string_view method, std::string_view target, const RestCredentials& credentials,
                               std::string_view body, std::string_view remote, std::function<void(HttpAnswer)> done) {
  if (!product) {
    HttpAnswer a;
    a.status = 404;
    a.body = api_error("not_found", "no scan API in conformance mode");
    return done(std::move(a));
  }
  product->handle_rest(method, target, credentials, body, remote, std::move(done));
}

void Gateway::Impl::check_readiness(std::function<void(Readiness)> done) {
  if (stopped) return done(not_ready("stopping", "server shutting down"));
  if (!product) return done(Readiness{});  // conformance mode: no store to write
  ScanApp& scan_app = product->app();
  // The free space matters where the scans are written: the data folder of
  // the embedded SQLite, not this node's disk with PostgreSQL.
  if (scan_app.repository_status().engine == "sqlite") {
    if (auto shortage = space_shortage(available_bytes(opts.data_dir), opts.data_dir.string())) {
      note_readiness(*shortage);
      return done(std::move(*shortage));
    }
  }
  // A fan-out that is down does not make the node unready: it keeps serving
  // its own sockets and creates (and backfills once the link is back).
  scan_app.probe_store([weak = weak_from_this(), done = std::move(done)](std::optional<scans::RepositoryError> e) {
    Readiness r = readiness_of_probe(e);
    if (auto self = weak.lock()) self->note_readiness(r);
    done(std::move(r));
  });
}

void Gateway::Impl::note_readiness(const Readiness& r) {
  // One line per change, not one per probe (an orchestrator asks every few seconds).
  if (r.ready) {
    if (!last_unready_reason_) return;
    last_unready_reason_.reset();
    observers.notice(LogLevel::info, "ready", {});
    return;
  }
  if (last_unready_reason_ == r.reason) return;
  last_unready_reason_ = r.reason;
  observers.notice(LogLevel::warn, "not_ready", {{"reason", r.reason}, {"detail", r.detail}});
}

std::string Gateway::Impl::metrics_text() const {
  MetricsGauges g;
  for (const auto& [sid, host] : sessions_) {
    ++(host->engine().transport() == TransportKind::websocket ? g.sessions_websocket : g.sessions_polling);
  }
  g.tcp_connections = connections_.size();
  if (product) product->fill_gauges(g);
  if (process_start_time_s > 0) g.process_start_time_s = process_start_time_s;
  if (auto rss = resident_memory_bytes()) g.resident_memory_bytes = static_cast<double>(*rss);
  return metrics.render(g);
}

void Gateway::Impl::request_flush() {
  // Posted, so it runs after the handlers already queued: the input that
  // arrived together is committed together.
  asio::post(io, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (self && self->product) self->product->app().flush();
  });
}

void Gateway::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    if (self->stopped || ec == asio::error::operation_aborted) return;
    if (out_of_descriptors(ec)) return self->pause_accepting(ec);
    if (!ec) {
      if (self->accept_paused) {
        self->accept_paused = false;
        self->observers.notice(LogLevel::info, "accept_resumed", {});
      }
      if (self->open_connections() >= self->max_connections) {
        self->refuse_connection(std::move(socket));
      } else {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (self->tls) {
          serve_tls(self, self->tls, std::move(socket));
        } else {
          serve_http(self, std::move(socket));
        }
      }
    }
    self->accept();
  });
}

void Gateway::Impl::pause_accepting(const boost::system::error_code& why) {
  if (!accept_paused) {  // one line per episode, not one per retry
    accept_paused = true;
    observers.notice(LogLevel::warn, "accept_paused",
                     {{"error", why.message()}, {"retry_ms", static_cast<std::int64_t>(kAcceptPause.count())}});
  }
  accept_pause.expires_after(kAcceptPause);
  accept_pause.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->stopped) self->accept();
  });
}

void Gateway::Impl::refuse_connection(tcp::socket socket) {
  // Written without reading and without waiting: the point is to spend
  // nothing on a connection we cannot serve. A request already received is
  // read first, so that closing does not reset the answer away.
  static const std::string kAnswer = [] {
    const std::string body = api_error("unavailable", "too many connections; retry later");
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
           "Connection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  char sink[4096];
  while (!ec && socket.read_some(asio::buffer(sink), ec) > 0) {
  }
  ec = {};
  asio::write(socket, asio::buffer(kAnswer), ec);  // small: the empty send buffer takes it at once
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  // Counted every time; a flood logs a line per period.
  const auto now = Clock::now();
  const bool log_it = !last_refusal_log_ || now - *last_refusal_log_ >= kRefusalLogEvery;
  if (log_it) last_refusal_log_ = now;
  const std::string detail = "max_connections (" + std::to_string(max_connections) + ") reached";
  metrics.connection_refused(ConnectionRefused{"max_connections", {}, detail});
  if (log_it) logger.connection_refused(ConnectionRefused{"max_connections", {}, detail});
}

void Gateway::Impl::stop(std::string_view reason) {
  if (stopped) return;
  stopped = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  accept_pause.cancel();
  observers.notice(LogLevel::info, "stopping", {{"reason", reason}});
  // Copies: shutting a session down removes it from the table.
  std::vector<std::shared_ptr<SessionHost>> hosts;
  for (auto& [sid, host] : sessions_) hosts.push_back(host);
  // Answers already computed leave before the sessions close.
  if (product) product->app().flush();
  for (auto& host : hosts) host->shutdown(reason);
  std::vector<std::shared_ptr<Closable>> open;
  for (auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) c->shutdown();
  product.reset();  // the app before its repository (scan_product.h)
  conformance_app.reset();
}

Gateway::Gateway(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() {
  if (impl_) impl_->stop("server shutting down");
}

namespace {

// The folder the page is served from, or why there is none.
void find_web_root(Gateway::Impl& impl) {
  if (!impl.opts.web_root.empty()) {
    impl.web_root = WebRoot::at(impl.opts.web_root);
    if (!impl.web_root) impl.web_unavailable = impl.opts.web_root.string() + " is not a folder";
    return;
  }
  std::string tried;
  for (const auto& dir : default_web_roots()) {
    impl.web_root = WebRoot::at(dir);
    if (impl.web_root) return;
    tried += (tried.empty() ? "" : ", ") + dir.lexically_normal().string();
  }
  impl.web_unavailable = "no web root given (--web-root) and none of " + tried +
                         " exists (scripts/build-web.sh builds the page)";
}

// The embedded default: SQLite in the data folder.
Result<std::shared_ptr<scans::ScanRepository>> open_sqlite_repository(Gateway::Impl& impl) {
  const auto db_file = impl.opts.data_dir / "scansync.db";
  std::error_code ignored;
  std::filesystem::create_directories(impl.opts.data_dir, ignored);  // open() reports any failure
  auto store = store::ScanStore::open(
      db_file, store::StoreOptions{
                   .max_live_scans_per_user = impl.opts.max_scans_per_user,
                   .durability = impl.opts.durability == GatewayOptions::Durability::full ? store::Durability::full
                                                                                          : store::Durability::normal,
               });
  if (!store.ok()) return store.error();
  return std::shared_ptr<scans::ScanRepository>(
      std::make_shared<scans::SqliteScanRepository>(std::move(*store), impl.io.get_executor()));
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::start(asio::io_context& io, GatewayOptions options) {
  auto cors = CorsPolicy::from(options.cors_origins);
  if (!cors) return cors.error();
  std::shared_ptr<TlsContext> tls;
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    std::string why;
    auto loaded = TlsContext::load(options.tls_cert_file, options.tls_key_file, &why);
    if (!loaded) {
      if (options.log && options.log_level <= LogLevel::error) {  // before the gateway (and its log) exists
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch());
        options.log(LogLine(now.count(), LogLevel::error, "tls_unusable").add("detail", why).finish());
      }
      return loaded.error();
    }
    tls = std::move(*loaded);
  }
  auto impl = std::make_shared<Impl>(io, std::move(options));
  impl->cors = std::move(*cors);
  impl->tls = std::move(tls);
  find_web_root(*impl);
  if (impl->opts.conformance) {
    impl->conformance_app = std::make_unique<ConformanceApp>();
  } else {
    // The product from its parts: the repository and the fan-out the
    // caller composed (the CLI: --store, --fanout), else the embedded SQLite
    // and this node's rooms; the auth and the limits from the options.
    const GatewayOptions& o = impl->opts;
    ScanProductParts parts;
    parts.repository = o.repository;
    if (!parts.repository) {
      auto repository = open_sqlite_repository(*impl);
      if (!repository) return repository.error();
      parts.repository = std::move(*repository);
    }
    parts.make_fanout = o.make_fanout;
    parts.requests.max_scans_per_user = o.max_scans_per_user;
    parts.verifier.secret = o.jwt_secret;
    parts.verifier.issuer = o.issuer;
    parts.verifier.audience = o.audience;
    parts.verifier.max_lifetime_s = o.max_token_ttl_s;
    parts.api_keys = o.api_keys;
    parts.socket_limits = ScanAppLimits{o.socket_rate_per_s, o.socket_burst};
    parts.rest_rate_per_s = o.rest_rate_per_s;
    parts.rest_burst = o.rest_burst;
    parts.api_key_rate_per_s = o.api_key_rate_per_s;
    parts.api_key_burst = o.api_key_burst;
    std::weak_ptr<Impl> weak = impl;
    ScanAppHooks hooks;
    hooks.request_flush = [weak] {
      if (auto self = weak.lock()) self->request_flush();
    };
    hooks.after = [weak](std::chrono::milliseconds delay, std::function<void()> fn) {
      auto self = weak.lock();
      if (!self) return;
      auto timer = std::make_shared<asio::steady_timer>(self->io, delay);
      timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
        if (!ec) fn();
      });
    };
    hooks.observer = &impl->observers;  // the Impl outlives the product (stop() drops it first)
    hooks.now = [] { return Clock::now(); };
    impl->product = std::make_unique<ScanProduct>(std::move(parts), std::move(hooks), [weak] {
      auto self = weak.lock();
      return self ? self->now_unix_s() : std::int64_t{0};
    });
  }
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  if (auto address = asio::ip::make_address(impl->opts.host, ec); !ec) {
    endpoint = tcp::endpoint(address, impl->opts.port);
  } else {
    // A host name (localhost, a machine's name): its first address, resolved
    // once at start. The error keeps the resolver's category and text.
    tcp::resolver resolver(impl->io);
    auto found = resolver.resolve(impl->opts.host, std::to_string(impl->opts.port), tcp::resolver::passive, ec);
    if (ec) return static_cast<std::error_code>(ec);
    if (found.empty()) return std::make_error_code(std::errc::address_not_available);
    endpoint = found.begin()->endpoint();
  }
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  impl->bound_port = impl->acceptor.local_endpoint(ec).port();
  impl->accept();
  impl->observers.notice(LogLevel::info, "listening",
                         {{"host", impl->opts.host}, {"port", static_cast<std::int64_t>(impl->bound_port)}, {"tls", impl->tls ? "true" : "false"}});
  if (impl->product && impl->product->api_key_count() > 0) {
    impl->observers.notice(LogLevel::info, "api_keys",
                           {{"count", static_cast<std::int64_t>(impl->product->api_key_count())},
                            {"detail", "server API keys accepted for REST"}});
  }
  if (impl->web_root) {
    impl->observers.notice(LogLevel::info, "web_root", {{"dir", impl->web_root->dir().string()}});
  } else {
    impl->observers.notice(LogLevel::warn, "web_page_unavailable", {{"detail", impl->web_unavailable}});
  }
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

std::uint16_t Gateway::port() const { return impl_->bound_port; }

bool Gateway::drained() const { return impl_->drained(); }

void Gateway::stop(std::string_view reason) {
  if (impl_->io.get_executor().running_in_this_thread()) {
    impl_->stop(reason);
  } else {
    asio::post(impl_->io, [impl = impl_, r = std::string(reason)] { impl->stop(r); });
  }
}

}  // namespace scansync::gateway
