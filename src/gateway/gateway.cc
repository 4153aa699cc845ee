#include "scansync/gateway/gateway.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "gateway/conformance_app.h"
#include "gateway/gateway_impl.h"
#include "gateway/ids.h"
#include "gateway/scan_app.h"
#include "gateway/scan_service.h"
#include "gateway/sio_client.h"
#include "scansync/proto/json_text.h"

namespace scansync::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Gateway::Impl::Impl(asio::io_context& io_, GatewayOptions opts_) : io(io_),
      opts(std::move(opts_)),
      rest_limiter(opts.rest_rate_per_s, opts.rest_burst),
      acceptor(io_) {
  engine_config.ping_interval = Millis(opts.ping_interval_ms);
  engine_config.ping_timeout = Millis(opts.ping_timeout_ms);
  engine_config.upgrade_timeout = Millis(opts.upgrade_timeout_ms);
  engine_config.max_payload = opts.max_payload;
  engine_config.max_write_queue_bytes = opts.max_write_queue_bytes;
  verifier.secret = opts.jwt_secret;
  verifier.issuer = opts.issuer;
  verifier.audience = opts.audience;
}

Gateway::Impl::~Impl() = default;

std::int64_t Gateway::Impl::now_unix_s() const {
  if (opts.now_unix_s) return opts.now_unix_s();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::shared_ptr<SessionHost> Gateway::Impl::find(std::string_view sid) {
  auto it = sessions_.find(std::string(sid));
  return it == sessions_.end() ? nullptr : it->second;
}

std::shared_ptr<SessionHost> Gateway::Impl::create_session(TransportKind kind, std::uint64_t ws_channel,
                                                           HandshakeInfo handshake, bool engine_only) {
  std::string sid = random_id();
  auto host = std::make_shared<SessionHost>(shared_from_this(), sid, kind, ws_channel, std::move(handshake), engine_only);
  host->start();
  sessions_.emplace(sid, host);
  log("session_open", kind == TransportKind::polling ? "polling" : "websocket", sid);
  return host;
}

void Gateway::Impl::remove_session(const std::string& sid) { sessions_.erase(sid); }

std::uint64_t Gateway::Impl::track(std::weak_ptr<Closable> c) {
  auto id = ++connection_counter_;
  connections_.emplace(id, std::move(c));
  return id;
}

void Gateway::Impl::log(std::string_view type, std::string_view detail, std::string_view sid) {
  if (!opts.log) return;
  std::string line = "{\"type\":" + json::quote(type);
  if (!sid.empty()) line += ",\"sid\":" + json::quote(sid);
  if (!detail.empty()) line += ",\"detail\":" + json::quote(detail);
  line += "}";
  opts.log(line);
}

HttpAnswer Gateway::Impl::handle_api(std::string_view method, std::string_view target, std::string_view authorization,
                                     std::string_view body) {
  HttpAnswer a;
  if (!service) {
    a.status = 404;
    a.body = api_error("not_found", "no scan API in conformance mode");
    return a;
  }
  auto token = bearer_token(authorization);
  auto claims = auth::verify_hs256(token ? *token : std::string{}, verifier, now_unix_s());
  if (!claims) {
    a.status = 401;
    a.body = api_error(auth::wire_code(claims.error()), "unauthorized");
    return a;
  }
  if (!rest_limiter.allow(claims->sub, RateLimiter::Clock::now())) {
    a.status = 429;
    a.body = api_error("rate_limited", "too many requests for this user; retry later");
    return a;
  }
  Reply r = service->handle_http(claims->sub, method, target, body);
  a.status = r.http_status;
  a.body = std::move(r.body);
  if (!r.broadcast_event.empty()) {
    // A REST change reaches the user's live sockets like a socket-made one.
    if (scan_app) scan_app->broadcast_to_user(claims->sub, encode_event("/", r.broadcast_event, r.broadcast_payload));
  }
  return a;
}

void Gateway::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      serve_http(self, std::move(socket));
    } else if (ec == asio::error::operation_aborted) {
      return;
    }
    self->accept();
  });
}

void Gateway::Impl::stop(std::string_view reason) {
  if (stopped) return;
  stopped = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  log("stopping", reason);
  // Copies: shutting a session down removes it from the table.
  std::vector<std::shared_ptr<SessionHost>> hosts;
  for (auto& [sid, host] : sessions_) hosts.push_back(host);
  for (auto& host : hosts) host->shutdown(reason);
  std::vector<std::shared_ptr<Closable>> open;
  for (auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) c->shutdown();
  // The scan app holds a reference to the service: drop it first.
  scan_app = nullptr;
  app.reset();
  service.reset();
}

Gateway::Gateway(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() {
  if (impl_) impl_->stop("server shutting down");
}

Result<std::unique_ptr<Gateway>> Gateway::start(asio::io_context& io, GatewayOptions options) {
  auto impl = std::make_shared<Impl>(io, std::move(options));
  if (impl->opts.conformance) {
    impl->app = std::make_unique<ConformanceApp>();
  } else {
    auto service = ScanService::open(impl->opts.data_dir / "scansync.db", ServiceOptions{});
    if (!service) return service.error();
    impl->service = std::move(*service);
    std::weak_ptr<Impl> weak = impl;
    auto app = std::make_unique<ScanApp>(*impl->service, impl->verifier, [weak] {
      auto self = weak.lock();
      return self ? self->now_unix_s() : std::int64_t{0};
    });
    impl->scan_app = app.get();
    impl->app = std::move(app);
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl->opts.host, ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  tcp::endpoint endpoint(address, impl->opts.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  impl->bound_port = impl->acceptor.local_endpoint(ec).port();
  impl->accept();
  impl->log("listening", impl->opts.host + ":" + std::to_string(impl->bound_port));
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
