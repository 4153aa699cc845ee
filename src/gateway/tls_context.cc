#include "gateway/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace scansync::gateway {
namespace {

namespace ssl = boost::asio::ssl;

class TlsCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.tls"; }
  std::string message(int value) const override {
    switch (static_cast<TlsError>(value)) {
      case TlsError::incomplete:
        return "TLS needs both a certificate and its key";
      case TlsError::cert_unusable:
        return "the TLS certificate file is not usable";
      case TlsError::key_unusable:
        return "the TLS key file is not usable";
      case TlsError::key_mismatch:
        return "the TLS key does not belong to the certificate";
    }
    return "TLS error";
  }
};

// Mozilla's "intermediate" TLS 1.2 suites (forward secret AEAD only; no DHE,
// which would need parameters). TLS 1.3 keeps OpenSSL's suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// ALPN: the gateway speaks HTTP/1.1 (WebSocket upgrades included) only.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* offered,
                  unsigned int offered_len, void*) {
  static const unsigned char kOurs[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_len, kOurs, sizeof kOurs, offered, offered_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;  // no_application_protocol (RFC 7301)
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// The whole file, or false with `*why` (the system's reason).
bool read_file(const std::filesystem::path& path, std::string* out, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = std::strerror(errno);
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) {
    *why = "read error";
    return false;
  }
  *out = std::move(s).str();
  return true;
}

void wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace

std::error_code make_error_code(TlsError e) {
  static const TlsCategory category;
  return {static_cast<int>(e), category};
}

TlsContext::TlsContext(std::unique_ptr<ssl::context> context) : context_(std::move(context)) {}
TlsContext::~TlsContext() = default;

Result<std::shared_ptr<TlsContext>> TlsContext::load(const std::filesystem::path& cert_file,
                                                     const std::filesystem::path& key_file, std::string* detail) {
  std::string ignored;
  std::string& why = detail ? *detail : ignored;
  if (cert_file.empty() != key_file.empty()) {
    why = cert_file.empty() ? "a TLS key without a certificate" : "a TLS certificate without a key";
    return TlsError::incomplete;
  }
  std::string cert_pem, key_pem, reason;
  if (!read_file(cert_file, &cert_pem, &reason)) {
    why = cert_file.string() + ": " + reason;
    return TlsError::cert_unusable;
  }
  if (!read_file(key_file, &key_pem, &reason)) {
    why = key_file.string() + ": " + reason;
    return TlsError::key_unusable;
  }

  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cipher_list(native, kTls12Ciphers);
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  // A key protected by a passphrase must fail here, not prompt on the terminal.
  boost::system::error_code ec;
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);

  // The leaf first, then any intermediates: all of them are sent to clients.
  context->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
  if (ec) {
    why = cert_file.string() + ": not a PEM certificate chain (" + ec.message() + ")";
    wipe(key_pem);
    return TlsError::cert_unusable;
  }
  context->use_private_key(boost::asio::buffer(key_pem), ssl::context::pem, ec);
  wipe(key_pem);
  if (ec) {
    // OpenSSL checks the key against the certificate as it takes it.
    if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
      why = key_file.string() + ": not the key of the certificate in " + cert_file.string() + " (" + ec.message() +
            ")";
      return TlsError::key_mismatch;
    }
    why = key_file.string() + ": not a PEM private key without a passphrase (" + ec.message() + ")";
    return TlsError::key_unusable;
  }
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(context)));
}

}  // namespace scansync::gateway
