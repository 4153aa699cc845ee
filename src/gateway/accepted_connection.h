#pragma once
// Where the acceptor hands an accepted TCP connection: the entry points of
// the adapters, each serving it for a ConnectionHost (connection_host.h).
// Asio's socket, no Beast and no OpenSSL: gateway.cc includes this.
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "gateway/connection_host.h"

namespace scansync::gateway {

class TlsContext;
class TlsStream;

// http_session.cc: serves one accepted TCP connection, or one whose TLS
// handshake is done.
void serve_http(const std::shared_ptr<ConnectionHost>& server, boost::asio::ip::tcp::socket socket);
void serve_http(const std::shared_ptr<ConnectionHost>& server, TlsStream stream);
// tls_stream.cc: the TLS handshake of an accepted connection (with
// `context`'s certificate), then serve_http.
void serve_tls(const std::shared_ptr<ConnectionHost>& server, std::shared_ptr<TlsContext> context,
               boost::asio::ip::tcp::socket socket);
// The peer's address as the caps count it (IPv4-mapped IPv6 as IPv4).
std::string remote_address_of(const boost::asio::ip::tcp::socket& socket);

}  // namespace scansync::gateway
