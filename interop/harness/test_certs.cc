#include "harness/test_certs.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "harness/child_process.h"

namespace scansync::interop {
namespace {

bool run_openssl(std::vector<std::string> args, std::string* error) {
  args.insert(args.begin(), SCANSYNC_OPENSSL);
  auto child = ChildProcess::spawn(args, {.capture_stderr = true}, error);
  if (!child) return false;
  child->close_stdin();
  const std::string err = child->read_stderr(in(std::chrono::seconds(30)));
  const auto code = child->wait_exit(in(std::chrono::seconds(30)));
  if (code == 0) return true;
  if (error) *error = "openssl " + args[1] + " failed: " + err;
  return false;
}

// A leaf certificate signed by the CA, with the given subjectAltName.
bool make_leaf(const TestCerts& c, const std::string& name, const std::string& san, std::string* error) {
  const std::string base = c.dir + "/" + name;
  {
    std::ofstream ext(base + ".ext");
    ext << "subjectAltName=" << san << "\nbasicConstraints=critical,CA:FALSE\n"
        << "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n";
  }
  return run_openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + name},
                     error) &&
         run_openssl({"x509", "-req", "-in", base + ".csr", "-CA", c.ca_pem, "-CAkey", c.dir + "/ca.key",
                      "-CAcreateserial", "-days", "2", "-sha256", "-extfile", base + ".ext", "-out", base + ".pem"},
                     error);
}

}  // namespace

std::optional<TestCerts> make_test_certs(std::string* error) {
  std::string templ = (std::filesystem::temp_directory_path() / "scansync-certs-XXXXXX").string();
  if (!::mkdtemp(templ.data())) {
    if (error) *error = "mkdtemp failed";
    return std::nullopt;
  }
  TestCerts c;
  c.dir = templ;
  c.ca_pem = c.dir + "/ca.pem";
  c.server_pem = c.dir + "/server.pem";
  c.server_key = c.dir + "/server.key";
  c.wrong_name_pem = c.dir + "/wrong.pem";
  c.wrong_name_key = c.dir + "/wrong.key";
  const bool ok =
      run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                   c.dir + "/ca.key", "-out", c.ca_pem, "-days", "2", "-sha256", "-subj", "/CN=scansync test CA",
                   "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
                  error) &&
      make_leaf(c, "server", "DNS:localhost,IP:127.0.0.1", error) &&
      make_leaf(c, "wrong", "DNS:elsewhere.invalid", error);
  if (!ok) {
    remove_test_certs(c);
    return std::nullopt;
  }
  return c;
}

void remove_test_certs(const TestCerts& certs) {
  std::error_code ignored;
  if (!certs.dir.empty()) std::filesystem::remove_all(certs.dir, ignored);
}

}  // namespace scansync::interop
