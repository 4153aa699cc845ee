// URL parsing for NativeClient: scheme, host, port, optional path and query.
// Deliberately strict: anything this parser is unsure about is a bad_url,
// because a silently misread host would send the user's token elsewhere.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

#include "scansync/client/native_client.h"

namespace scansync::client {
namespace {

class NativeCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.native"; }
  std::string message(int ev) const override {
    switch (static_cast<native_errc>(ev)) {
      case native_errc::bad_url: return "bad URL (expected ws://, wss://, http:// or https://host[:port][/path])";
      case native_errc::bad_ca_file: return "the CA file could not be loaded";
      case native_errc::tls_setup: return "TLS setup failed";
    }
    return "unknown native client error";
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

bool is_ipv6_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

// Printable ASCII without space: what may appear in a path or query as sent.
bool is_url_char(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

const std::error_category& native_category() {
  static const NativeCategory category;
  return category;
}

Result<ServerUrl> parse_server_url(std::string_view url) {
  const auto bad = make_error_code(native_errc::bad_url);
  if (!std::all_of(url.begin(), url.end(), is_url_char)) return bad;

  ServerUrl out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad;
  const std::string scheme = lower(url.substr(0, scheme_end));
  if (scheme == "ws" || scheme == "http") {
    out.tls = false;
    out.port = 80;
  } else if (scheme == "wss" || scheme == "https") {
    out.tls = true;
    out.port = 443;
  } else {
    return bad;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);

  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return bad;  // no credentials in URLs

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad;
    const std::string_view literal = authority.substr(1, close - 1);
    if (literal.empty() || !std::all_of(literal.begin(), literal.end(), is_ipv6_char)) return bad;
    out.host = lower(literal);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad;
      port_text = after.substr(1);
      if (port_text.empty()) return bad;
    }
  } else {
    const auto colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_host_char)) return bad;
    out.host = lower(host);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad;
    }
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) return bad;
    out.port = static_cast<std::uint16_t>(port);
  }

  const auto q = tail.find('?');
  std::string_view path = tail.substr(0, q);
  if (q != std::string_view::npos) out.query = std::string(tail.substr(q + 1));
  if (path.empty() || path == "/") {
    out.path = "/socket.io/";
  } else {
    if (path.find("//") != std::string_view::npos) return bad;
    out.path = std::string(path);
    // Engine.IO matches "<path>/" as a prefix: "/socket.io" would never match.
    if (out.path.back() != '/') out.path.push_back('/');
  }
  return out;
}

}  // namespace scansync::client
