#pragma once
// A throw-away PKI made with the openssl CLI at test time: one CA, a server
// certificate for localhost/127.0.0.1, and one for a name the tests never dial.
#include <optional>
#include <string>

namespace scansync::interop {

struct TestCerts {
  std::string dir;
  std::string ca_pem;
  std::string server_pem, server_key;        // SAN: DNS:localhost, IP:127.0.0.1
  std::string wrong_name_pem, wrong_name_key;  // SAN: DNS:elsewhere.invalid
};

// Creates the files in a fresh temporary directory; nullopt (with `error`) on failure.
std::optional<TestCerts> make_test_certs(std::string* error);
void remove_test_certs(const TestCerts& certs);

}  // namespace scansync::interop
