#include "gateway/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
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

// OpenSSL's reason for the last error it queued (the queue is then cleared).
std::string openssl_reason() {
  const char* reason = ERR_reason_error_string(ERR_peek_last_error());
  ERR_clear_error();
  return reason ? reason : "unknown error";
}

// A key protected by a passphrase must fail, not prompt on the terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
std::unique_ptr<BIO, BioFree> memory_bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The leaf, then every intermediate after it (all are sent to clients), as
// SSL_CTX_use_certificate_chain_file reads them. false: `*why` is OpenSSL's reason.
bool use_chain(SSL_CTX* context, const std::string& pem, std::string* why) {
  ERR_clear_error();
  auto bio = memory_bio(pem);
  X509* leaf = PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, nullptr);
  if (!leaf) {
    *why = openssl_reason();
    return false;
  }
  const bool used = SSL_CTX_use_certificate(context, leaf) == 1;
  X509_free(leaf);
  if (!used) {
    *why = openssl_reason();
    return false;
  }
  while (X509* intermediate = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    if (SSL_CTX_add0_chain_cert(context, intermediate) != 1) {
      X509_free(intermediate);
      *why = openssl_reason();
      return false;
    }
  }
  // The end of the text reads as "no start line"; any other error is in it.
  const unsigned long last = ERR_peek_last_error();
  if (last != 0 && !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
    *why = openssl_reason();
    return false;
  }
  ERR_clear_error();
  return true;
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
  if (!use_chain(native, cert_pem, &reason)) {
    why = cert_file.string() + ": not a PEM certificate chain (OpenSSL: " + reason + ")";
    wipe(key_pem);
    return TlsError::cert_unusable;
  }
  EVP_PKEY* key = PEM_read_bio_PrivateKey(memory_bio(key_pem).get(), nullptr, no_passphrase, nullptr);
  wipe(key_pem);
  if (!key) {
    why = key_file.string() + ": not a PEM private key without a passphrase (OpenSSL: " + openssl_reason() + ")";
    return TlsError::key_unusable;
  }
  // OpenSSL checks the key against the certificate as it takes it.
  const bool used = SSL_CTX_use_PrivateKey(native, key) == 1;
  EVP_PKEY_free(key);
  if (!used) {
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    reason = openssl_reason();
    if (mismatch) {
      why = key_file.string() + ": not the key of the certificate in " + cert_file.string() + " (OpenSSL: " + reason +
            ")";
      return TlsError::key_mismatch;
    }
    why = key_file.string() + ": unusable with the certificate (OpenSSL: " + reason + ")";
    return TlsError::key_unusable;
  }
  return std::shared_ptr<TlsContext>(new TlsContext(std::move(context)));
}

}  // namespace scansync::gateway
