#pragma once
// For the TLS tests: a throw-away PKI made with OpenSSL in memory (no
// processes) and written to a fresh temporary folder, removed with it. A root
// CA signs an intermediate, which signs a leaf for localhost / 127.0.0.1;
// chain.pem holds the leaf then the intermediate (what a server sends),
// root.pem is all a client trusts.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace scansync::gateway::testing {

class TestPki {
 public:
  TestPki() {
    std::string templ = (std::filesystem::temp_directory_path() / "scansync-tls-XXXXXX").string();
    if (::mkdtemp(templ.data())) dir_ = templ;
    Key root_key = new_key(), intermediate_key = new_key(), leaf_key = new_key(), other_key = new_key();
    Cert root_cert = new_cert(root_key.get(), "scansync test root", nullptr, nullptr, nullptr);
    Cert intermediate = new_cert(intermediate_key.get(), "scansync test intermediate", root_cert.get(), root_key.get(),
                                 nullptr);
    Cert leaf = new_cert(leaf_key.get(), "localhost", intermediate.get(), intermediate_key.get(),
                         "DNS:localhost,IP:127.0.0.1");
    ok_ = !dir_.empty() && write_certs(root(), {root_cert.get()}) && write_certs(chain(), {leaf.get(), intermediate.get()}) &&
          write_certs(leaf_only(), {leaf.get()}) && write_key(key(), leaf_key.get(), nullptr) &&
          write_key(other_key_file(), other_key.get(), nullptr) && write_key(encrypted_key(), leaf_key.get(), "secret");
  }
  ~TestPki() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  bool ok() const { return ok_; }
  std::filesystem::path root() const { return dir_ / "root.pem"; }
  std::filesystem::path chain() const { return dir_ / "chain.pem"; }
  std::filesystem::path leaf_only() const { return dir_ / "leaf.pem"; }
  std::filesystem::path key() const { return dir_ / "leaf.key"; }
  std::filesystem::path other_key_file() const { return dir_ / "other.key"; }
  std::filesystem::path encrypted_key() const { return dir_ / "encrypted.key"; }  // the leaf's, passphrase "secret"
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }

 private:
  struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  struct CertFree {
    void operator()(X509* x) const { X509_free(x); }
  };
  using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
  using Cert = std::unique_ptr<X509, CertFree>;

  static Key new_key() { return Key(EVP_EC_gen("P-256")); }

  // Self-signed when `issuer` is null; a CA unless `san` names a server.
  Cert new_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, const char* san) {
    Cert x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), ++serial_);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 2 * 86400);
    X509_set_pubkey(x.get(), key);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x.get(), x.get(), nullptr, nullptr, 0);
    auto add = [&](int nid, const char* value) {
      X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(x.get(), e, -1);
      X509_EXTENSION_free(e);
    };
    add(NID_basic_constraints, san ? "critical,CA:FALSE" : "critical,CA:TRUE");
    add(NID_key_usage, san ? "critical,digitalSignature" : "critical,keyCertSign,cRLSign");
    if (san) {
      add(NID_subject_alt_name, san);
      add(NID_ext_key_usage, "serverAuth");
    }
    X509_sign(x.get(), issuer_key ? issuer_key : key, EVP_sha256());
    return x;
  }

  static bool write_certs(const std::filesystem::path& path, std::initializer_list<X509*> certs) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return false;
    bool ok = true;
    for (X509* x : certs) ok = ok && PEM_write_X509(f, x) == 1;
    return std::fclose(f) == 0 && ok;
  }

  static bool write_key(const std::filesystem::path& path, EVP_PKEY* key, const char* passphrase) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) return false;
    const bool ok = passphrase ? PEM_write_PrivateKey(f, key, EVP_aes_128_cbc(),
                                                      reinterpret_cast<const unsigned char*>(passphrase),
                                                      static_cast<int>(std::char_traits<char>::length(passphrase)),
                                                      nullptr, nullptr) == 1
                               : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    return std::fclose(f) == 0 && ok;
  }

  std::filesystem::path dir_;
  long serial_ = 0;
  bool ok_ = false;
};

}  // namespace scansync::gateway::testing
