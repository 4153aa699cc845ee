// One accepted TCP connection speaking HTTP/1.1: routes each request to the
// Engine.IO long-polling transport, the REST API, /healthz, the web page's
// files, or hands the connection to a WebSocket (ws_session.cc). CORS
// headers come from the gateway's CorsPolicy, on every answer alike.
//
// The same session serves plain TCP (beast::tcp_stream) and TLS (TlsStream,
// over a tcp_stream): the template differs only where TLS must, the
// close_notify on closing and the watch of a parked poll.
#include <algorithm>
#include <array>
#include <chrono>
#include <type_traits>

#include <boost/beast/websocket/rfc6455.hpp>

#include "gateway/beast_adapters.h"
#include "gateway/cors_policy.h"
#include "gateway/metrics_text.h"
#include "gateway/readiness.h"
#include "gateway/web_files.h"
#include "gateway/web_root.h"

namespace scansync::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr std::size_t kMinBodyLimit = 1 << 20;  // the REST API takes up to 1 MiB
constexpr std::size_t kWatchChunk = 4096;        // TLS: what a parked poll's watch reads at a time

// The TCP layer: the socket, and the timeouts of every operation.
beast::tcp_stream& tcp_of(beast::tcp_stream& stream) { return stream; }
beast::tcp_stream& tcp_of(TlsStream& stream) { return stream.tcp_layer(); }

template <class Stream>
class HttpSession final : public PollWaiter,
                          public Closable,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  HttpSession(std::shared_ptr<ConnectionHost> server, Stream stream)
      : server_(std::move(server)), remote_(remote_address_of(tcp_of(stream).socket())), stream_(std::move(stream)) {}
  ~HttpSession() override { server_->untrack(track_id_); }

  void run() {
    track_id_ = server_->track(this->weak_from_this());
    read();
  }

  void complete(std::string body) override {
    parked_ = false;
    ++watch_gen_;
    parked_host_.reset();
    beast::error_code ec;
    tcp_layer().socket().cancel(ec);  // ends the abort watch
    respond(200, "text/plain; charset=UTF-8", std::move(body));
  }

  void shutdown() override {
    // Only idle keep-alive connections: a parked poll is answered by its
    // session's shutdown, a response being written finishes and closes.
    if (!reading_ || handed_off_) return;
    if constexpr (kTls) return stream_.close(/*notify=*/true);
    beast::error_code ec;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_layer().close();
  }

 private:
  beast::tcp_stream& tcp_layer() { return tcp_of(stream_); }

  // The header first: how much body may follow depends on what it asks for.
  void read() {
    if (watching_) {  // TLS: the abort watch's read ends first (complete() cancelled it)
      read_after_watch_ = true;
      return;
    }
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    tcp_layer().expires_after(kIdleTimeout);
    reading_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    parser_->body_limit(body_limit(parser_->get()));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  // A polling POST may carry what its session accepts now (16 KB before the
  // Socket.IO CONNECT, max_payload after) plus one byte, so that the session
  // itself sees "too large" and closes; anything else up to the REST limit.
  std::uint64_t body_limit(const Request& req) const {
    if (auto host = polling_post_session(req)) return host->engine().message_limit() + 1;
    return std::max<std::uint64_t>(server_->limits().max_payload, kMinBodyLimit) + 1;
  }

  // The session a polling POST is for, if the request is one.
  std::shared_ptr<SessionHost> polling_post_session(const Request& req) const {
    if (req.method() != http::verb::post) return nullptr;
    const Target target = split_target(req.target());
    const Route route = server_->route_of(target.path);
    if (route != Route::engine && route != Route::raw_engine) return nullptr;
    const auto query = parse_query(target.query);
    const auto sid = query.find("sid");
    return sid == query.end() ? nullptr : server_->find_session(sid->second);
  }

  void on_read(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::body_limit) {
      if (auto host = polling_post_session(parser_->get())) {  // as the session does with a body too large
        host->engine().close("transport error");
        host->pump();
      }
      req_ = {};
      req_.keep_alive(false);
      linger_ = true;  // the rest of the body is still on its way
      return respond(413, "application/json", api_error("payload_too_large", "request body too large"), false);
    }
    if (ec) return close();
    req_ = parser_->release();
    handle();
  }

  void handle() {
    const Target target = split_target(req_.target());
    const Route route = server_->route_of(target.path);
    if (beast::websocket::is_upgrade(req_)) return handle_upgrade(route, target);
    if (req_.method() == http::verb::options) return respond(204, "", "");
    switch (route) {
      case Route::engine:
      case Route::raw_engine:
        return handle_polling(route, target);
      case Route::healthz:
        return respond(200, "application/json", server_->health());
      case Route::readyz:
        return server_->check_readiness([self = this->shared_from_this()](Readiness r) {
          self->respond(r.http_status(), "application/json", r.body());
        });
      case Route::metrics:
        return respond(200, MetricsText::kContentType, server_->metrics_text());
      case Route::scans_api: {
        if (server_->stopping()) {
          return respond(503, "application/json", api_error("unavailable", "server shutting down"));
        }
        RestCredentials credentials;
        credentials.authorization = req_[http::field::authorization];
        for (auto [it, end] = req_.equal_range(kActingUserHeader); it != end; ++it) {
          if (credentials.acting_user_count++ == 0) credentials.acting_user = it->value();
        }
        // req_ stays as it is until the answer is written: nothing is read meanwhile.
        return server_->handle_api(req_.method_string(), req_.target(), credentials, req_.body(), remote_,
                                   [self = this->shared_from_this(), started = Clock::now()](HttpAnswer a) {
                                     self->report_request(a, started);
                                     self->respond(a.status, a.content_type, std::move(a.body));
                                   });
      }
      case Route::web_page:
        return serve_web_file(target.path);
      case Route::not_found:
        return respond(404, "application/json", api_error("not_found", "no such resource"));
    }
  }

  // The access log line and the metrics of a REST call (never its query: a
  // token could be in it).
  void report_request(const HttpAnswer& a, TimePoint started) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    server_->observer().request_done(
        RequestDone{req_.method_string(), split_target(req_.target()).path, a.status, ms, remote_, a.user});
  }

  // A file of the web root. Read whole on the loop: WebRoot bounds the size.
  void serve_web_file(std::string_view path) {
    const bool head = req_.method() == http::verb::head;
    if (!head && req_.method() != http::verb::get) {
      start_response(405, "application/json");
      res_.set(http::field::allow, "GET, HEAD");
      return send(api_error("method_not_allowed", "the web page takes GET and HEAD"));
    }
    const WebRoot* root = server_->web_page();
    if (!root) {
      return respond(404, "application/json",
                     api_error("not_found", "the web page is not available: " +
                                                std::string(server_->web_page_unavailable())));
    }
    const auto relative = web_file_path(path);
    if (!relative) return respond(404, "application/json", api_error("not_found", "no such file"));
    auto file = root->read(*relative, accepts_gzip(req_[http::field::accept_encoding]));
    if (!file) {
      if (file.error() == WebFileError::not_found) {
        return respond(404, "application/json", api_error("not_found", "no such file"));
      }
      server_->observer().notice(LogLevel::error, "web_file_error",
                                 {{"file", *relative}, {"error", file.error().message()}});
      return respond(500, "application/json", api_error("internal", file.error().message()));
    }
    const std::string etag = entity_tag(file->size, file->mtime_ns, file->gzip);
    const std::int64_t mtime_s = file->mtime_ns / 1000000000;
    const bool unchanged =
        not_modified(req_[http::field::if_none_match], req_[http::field::if_modified_since], etag, mtime_s);
    start_response(unchanged ? 304 : 200, unchanged ? "" : content_type_of(*relative));
    // File names carry no content hash: every use revalidates (a 304 is cheap).
    res_.set(http::field::cache_control, "no-cache");
    res_.set(http::field::etag, etag);
    res_.set(http::field::last_modified, http_date(mtime_s));
    res_.set("X-Content-Type-Options", "nosniff");
    add_vary("Accept-Encoding");
    if (unchanged) return send({}, true, false);
    if (file->gzip) res_.set(http::field::content_encoding, "gzip");
    if (head) {
      res_.content_length(file->size);
      return send({}, true, false);
    }
    send(std::move(file->body));
  }

  auto lookup() {
    return [this](std::string_view sid) -> std::optional<SessionFacts> {
      auto host = server_->find_session(sid);
      if (!host || host->engine().closed()) return std::nullopt;
      return SessionFacts{host->engine().transport()};
    };
  }

  void handle_upgrade(Route route, const Target& target) {
    if (route != Route::engine && route != Route::raw_engine) {
      return respond(404, "application/json", api_error("not_found", "no such resource"), false);
    }
    // Browsers let any page open a WebSocket anywhere: the Origin check is
    // what stops another site from using the visitor's connection.
    if (!server_->cors_policy().allows_websocket(req_[http::field::origin], req_[http::field::host])) {
      return respond(http_status_of(EngineError::forbidden), "application/json", error_body(EngineError::forbidden),
                     false);
    }
    if (server_->stopping()) return respond(503, "text/html", "Server shutting down", false);
    auto query = parse_query(target.query);
    EngineRoute r = route_engine_request(req_.method_string(), query, true, lookup());
    if (r.kind == EngineRoute::error) {
      // Like the reference: a plain 400 with the message, then close.
      return respond(http_status_of(r.code), "text/html", std::string(message_of(r.code)), false);
    }
    handed_off_ = true;
    serve_websocket(server_, std::move(stream_), std::move(req_), std::move(r), HandshakeInfo{std::move(query)},
                    route == Route::raw_engine, remote_);
  }

  void handle_polling(Route route, const Target& target) {
    auto query = parse_query(target.query);
    EngineRoute r = route_engine_request(req_.method_string(), query, false, lookup());
    if (r.kind == EngineRoute::error) return respond(http_status_of(r.code), "application/json", error_body(r.code));
    std::shared_ptr<SessionHost> host;
    if (r.kind == EngineRoute::handshake) {
      if (server_->stopping()) return respond(503, "application/json", error_body(EngineError::bad_request));
      host = server_->create_session(TransportKind::polling, 0, HandshakeInfo{std::move(query)},
                                     route == Route::raw_engine, remote_);
      if (!host) return respond(503, "application/json", R"({"code":3,"message":"Too many pending handshakes"})");
    } else {
      host = server_->find_session(r.sid);
    }
    const auto now = Clock::now();
    if (req_.method() == http::verb::get) {
      switch (host->engine().on_poll_get(now)) {
        case GetVerdict::reject:
          respond(400, "application/json", error_body(EngineError::bad_request));
          break;
        case GetVerdict::respond:
          respond(200, "text/plain; charset=UTF-8", host->engine().take_poll_body());
          break;
        case GetVerdict::park:
          parked_ = true;
          parked_host_ = host;
          host->park_poll(this->shared_from_this());
          watch_for_abort();
          break;
      }
      host->pump();
      return;
    }
    if (req_.method() == http::verb::post) {
      const bool binary = req_[http::field::content_type] == "application/octet-stream";
      switch (host->engine().on_poll_post(req_.body(), binary, now)) {
        case PostStatus::ok:
          respond(200, "text/html", "ok");
          break;
        case PostStatus::bad_request:
          respond(400, "application/json", error_body(EngineError::bad_request));
          break;
        case PostStatus::payload_too_large:
          respond(413, "application/json", error_body(EngineError::bad_request), false);
          break;
      }
      host->pump();
      return;
    }
    respond(400, "application/json", error_body(EngineError::bad_request));
  }

  // A parked GET has no read outstanding; watch the socket so that a client
  // that gives up on its poll closes the session (as the reference does).
  void watch_for_abort() {
    if constexpr (kTls) return watch_records_for_abort();
    const auto gen = ++watch_gen_;
    tcp_layer().expires_never();
    tcp_layer().socket().async_wait(tcp::socket::wait_read, [self = this->shared_from_this(), gen](beast::error_code ec) {
      if (gen != self->watch_gen_ || !self->parked_ || ec == asio::error::operation_aborted) return;
      char c;
      beast::error_code pec;
      self->tcp_layer().socket().non_blocking(true, pec);
      std::size_t n = self->tcp_layer().socket().receive(asio::buffer(&c, 1), tcp::socket::message_peek, pec);
      if (pec == asio::error::would_block) return self->watch_for_abort();
      if (!ec && !pec && n > 0) return;  // pipelined bytes: left for the next read
      self->poll_abandoned();
    });
  }

  // TLS: what arrives is records, not request bytes (a close_notify is a
  // client giving up), so the watch reads them instead of peeking. What
  // decrypts is the start of the next request and stays in buffer_; no
  // other read runs meanwhile (read() waits for this one to end).
  void watch_records_for_abort() {
    const auto gen = ++watch_gen_;
    tcp_layer().expires_never();
    watching_ = true;
    stream_.async_read_some(buffer_.prepare(kWatchChunk), [self = this->shared_from_this(), gen](beast::error_code ec,
                                                                                                std::size_t n) {
      self->watching_ = false;
      self->buffer_.commit(n);
      if (self->read_after_watch_) {
        self->read_after_watch_ = false;
        return self->read();
      }
      if (gen != self->watch_gen_ || !self->parked_ || ec == asio::error::operation_aborted) return;
      if (!ec && n > 0) return;  // pipelined bytes: left for the next read
      self->poll_abandoned();
    });
  }

  // The client of a parked GET went away: so does its session.
  void poll_abandoned() {
    parked_ = false;
    auto host = std::move(parked_host_);
    parked_host_.reset();
    if (host) {
      host->drop_poll();
      host->engine().on_poll_aborted();
      host->pump();
    }
    close();
  }

  void respond(int status, std::string_view content_type, std::string body, bool keep_alive = true) {
    start_response(status, content_type);
    send(std::move(body), keep_alive);
  }

  // The status line and the headers every answer has (CORS among them).
  void start_response(int status, std::string_view content_type) {
    res_ = {};
    res_.version(req_.version() ? req_.version() : 11);
    res_.result(static_cast<unsigned>(status));
    if (!content_type.empty()) res_.set(http::field::content_type, content_type);
    res_.set(http::field::cache_control, "no-store");
    const auto cors = server_->cors_policy().answer(req_[http::field::origin]);
    if (server_->cors_policy().varies_by_origin()) add_vary("Origin");
    if (!cors.allow_origin.empty()) {
      res_.set(http::field::access_control_allow_origin, cors.allow_origin);
      if (cors.allow_credentials) res_.set(http::field::access_control_allow_credentials, "true");
      if (req_.method() == http::verb::options) {  // a preflight
        res_.set(http::field::access_control_allow_methods, "GET, POST, DELETE, OPTIONS");
        res_.set(http::field::access_control_allow_headers, "Authorization, Content-Type");
        res_.set(http::field::access_control_max_age, "86400");
      }
    }
    if (status == 401) res_.set(http::field::www_authenticate, "Bearer");
    if (status == 503) res_.set(http::field::retry_after, "1");
  }

  void add_vary(std::string_view field) {
    const auto current = res_[http::field::vary];
    std::string value = current.empty() ? std::string(field) : std::string(current) + ", " + std::string(field);
    res_.set(http::field::vary, value);
  }

  // with_length false: the Content-Length already set (HEAD) or none (304) stays.
  void send(std::string body, bool keep_alive = true, bool with_length = true) {
    res_.keep_alive(keep_alive && req_.keep_alive() && !server_->stopping());
    res_.body() = std::move(body);
    if (with_length) res_.prepare_payload();
    tcp_layer().expires_after(server_->limits().write_timeout);
    http::async_write(stream_, res_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec && self->linger_) return self->drain_and_close();
      if (ec || !self->res_.keep_alive()) return self->close();
      self->read();
    });
  }

  // After answering a request whose body was not read (413): stop sending,
  // then read and drop what the client still sends, so that it sees the
  // answer rather than a reset while it writes. Bounded by time. TLS too
  // drops what arrives undecrypted.
  void drain_and_close() {
    beast::error_code ec;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!drain_started_) {
      drain_started_ = true;
      tcp_layer().expires_after(std::chrono::seconds(5));
    }
    tcp_layer().async_read_some(asio::buffer(drain_buffer_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain_and_close();
    });
  }

  void close() {
    if (handed_off_) return;
    if constexpr (kTls) return stream_.close(/*notify=*/true);  // never called with a write in flight
    beast::error_code ec;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ec);
    tcp_layer().close();
  }

  std::shared_ptr<ConnectionHost> server_;  // the gateway, as far as a connection sees it
  std::string remote_;  // the peer's address, for the pending-handshake caps
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request req_;
  http::response<http::string_body> res_;
  std::shared_ptr<SessionHost> parked_host_;  // the session a parked GET waits on
  std::uint64_t watch_gen_ = 0;
  std::uint64_t track_id_ = 0;
  bool parked_ = false;
  bool handed_off_ = false;  // the stream now belongs to a WebSocket session
  bool reading_ = false;
  bool linger_ = false;
  bool drain_started_ = false;
  bool watching_ = false;          // TLS: the abort watch's read is outstanding
  bool read_after_watch_ = false;  // TLS: read() waits for it
  std::array<char, 16 * 1024> drain_buffer_{};
};

}  // namespace

void serve_http(const std::shared_ptr<ConnectionHost>& server, tcp::socket socket) {
  std::make_shared<HttpSession<beast::tcp_stream>>(server, beast::tcp_stream(std::move(socket)))->run();
}

void serve_http(const std::shared_ptr<ConnectionHost>& server, TlsStream stream) {
  std::make_shared<HttpSession<TlsStream>>(server, std::move(stream))->run();
}

}  // namespace scansync::gateway
