#pragma once
// The gateway's TLS server settings (GatewayOptions::tls_cert_file and
// tls_key_file): the certificate chain and its private key from PEM files,
// TLS 1.2 at least, no compression, no renegotiation, the server's cipher
// order, ALPN "http/1.1" (a client offering only other protocols is refused).
//
// Loaded once at start; the context is shared by every connection and
// outlives them (each TlsStream holds it).
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>

#include "scansync/result.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace scansync::gateway {

// Why the TLS files cannot serve.
enum class TlsError {
  incomplete = 1,  // a certificate without a key, or a key without a certificate
  cert_unusable,   // unreadable, or no PEM certificate in it
  key_unusable,    // unreadable, not a PEM private key, or protected by a passphrase
  key_mismatch,    // the key is not the certificate's
};
std::error_code make_error_code(TlsError e);  // category "scansync.tls"

class TlsContext {
 public:
  // On failure `*detail` (if given) names the file and says why, with
  // OpenSSL's reason when OpenSSL refused it.
  static Result<std::shared_ptr<TlsContext>> load(const std::filesystem::path& cert_file,
                                                  const std::filesystem::path& key_file, std::string* detail);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  boost::asio::ssl::context& native() { return *context_; }

 private:
  explicit TlsContext(std::unique_ptr<boost::asio::ssl::context> context);
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace scansync::gateway

template <>
struct std::is_error_code_enum<scansync::gateway::TlsError> : std::true_type {};
