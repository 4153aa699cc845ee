#pragma once
// Shared by the two Boost.Beast translation units (http_session.cc,
// ws_session.cc): keep Beast out of every other file. Each serves a plain
// connection and a TLS one (TlsStream) with the same code, a template on the
// stream, and sees the gateway only as its ConnectionHost.
#include <memory>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/accepted_connection.h"
#include "gateway/connection_host.h"
#include "gateway/engine_request.h"
#include "gateway/gateway_observer.h"
#include "gateway/session_host.h"
#include "gateway/tls_stream.h"

namespace scansync::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
using Request = http::request<http::string_body>;

// Takes over a connection whose request asks for a WebSocket on an Engine.IO
// path, once `route` (handshake, or upgrade of an existing session) passed.
// `remote_address` counts a new session against the pending-handshake caps.
void serve_websocket(const std::shared_ptr<ConnectionHost>& server, beast::tcp_stream stream, Request request,
                     EngineRoute route, HandshakeInfo handshake, bool engine_only, std::string remote_address);
void serve_websocket(const std::shared_ptr<ConnectionHost>& server, TlsStream stream, Request request,
                     EngineRoute route, HandshakeInfo handshake, bool engine_only, std::string remote_address);

}  // namespace scansync::gateway
