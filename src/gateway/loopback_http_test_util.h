#pragma once
// One HTTP/1.1 request to a server on loopback, for the tests that serve a
// gateway or a fake host on a port: its own connection ("Connection: close"),
// the answer read to EOF. A 5 s receive timeout is the deadline: a hung
// server fails the test instead of hanging it.
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <string>

namespace scansync::gateway::testing {

struct LoopbackAnswer {
  int status = 0;  // 0: no HTTP answer came
  std::string head;
  std::string body;
};

inline LoopbackAnswer loopback_exchange(std::uint16_t port, const std::string& method, const std::string& target,
                                        const std::string& body = {}, const std::string& extra_headers = {}) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), port));
  timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra_headers;
  if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  asio::write(s, asio::buffer(req));
  std::string raw;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(raw), ec);
  LoopbackAnswer a;
  const auto split = raw.find("\r\n\r\n");
  if (split == std::string::npos || raw.size() < 12) return a;
  a.head = raw.substr(0, split);
  a.body = raw.substr(split + 4);
  a.status = std::stoi(raw.substr(9, 3));
  return a;
}

}  // namespace scansync::gateway::testing
