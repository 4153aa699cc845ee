// wss:// against the reference server with a certificate from a throw-away CA
// made by the openssl CLI: verification is on by default, a CA file can be
// trusted, host names are checked, and skipping verification is explicit.
#include "harness/interop_support.h"
#include "harness/test_certs.h"

namespace scansync::interop {
namespace {

using client::Status;
using nlohmann::json;

class TlsInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    auto made = make_test_certs(&error);
    if (!made) {
      setup_error_ = new std::string(error);
      return;
    }
    certs_ = new TestCerts(std::move(*made));
  }
  static void TearDownTestSuite() {
    if (certs_) remove_test_certs(*certs_);
    delete certs_;
    delete setup_error_;
    certs_ = nullptr;
    setup_error_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(certs_, nullptr) << (setup_error_ ? *setup_error_ : "no certificates"); }

  ReferenceServer tls_server(bool wrong_name = false) {
    ServerOptions o;
    o.tls_cert = wrong_name ? certs_->wrong_name_pem : certs_->server_pem;
    o.tls_key = wrong_name ? certs_->wrong_name_key : certs_->server_key;
    return start_server(o);
  }

  static bool failed_verification(ClientProbe& probe) {
    return probe.wait(
        [](const ProbeRecord& r) {
          return !r.transport_errors.empty() && !r.statuses.empty() && r.statuses.back().status == Status::reconnecting;
        },
        in(kWait));
  }

  static inline TestCerts* certs_ = nullptr;
  static inline std::string* setup_error_ = nullptr;
};

TEST_F(TlsInterop, UnknownCaIsRejectedByDefault) {
  auto server = tls_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.wss_url(), mint_jwt({})), probe);
  ASSERT_TRUE(client);

  ASSERT_TRUE(failed_verification(probe));
  const auto why = probe.snapshot().transport_errors.at(0);
  EXPECT_NE(why.find("certificate verify failed"), std::string::npos) << why;
  EXPECT_EQ(client->last_transport_error(), why);
  EXPECT_EQ(probe.count_status(Status::connected), 0u);
  client.reset();
  auto stats = server.stats(in(kWait));
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["handshakes"], 0) << "nothing reached Engine.IO";
}

TEST_F(TlsInterop, TrustedCaFileConnectsByIpAddress) {
  auto server = tls_server();
  ClientProbe probe;
  auto options = client_options(server.wss_url("127.0.0.1"), mint_jwt({}));
  options.tls.ca_file = certs_->ca_pem;
  auto client = start_client(std::move(options), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(probe.wait_status(Status::connected, in(kWait)));
  ASSERT_TRUE(server.wait_for_evt("join", in(kWait)));
  auto tls = server.wait_for_evt("tls", in(kWait));
  ASSERT_TRUE(tls);
  EXPECT_EQ((*tls)["servername"], false) << "no SNI for an IP address";
}

TEST_F(TlsInterop, TrustedCaFileConnectsByHostNameWithSni) {
  auto server = tls_server();
  ClientProbe probe;
  auto options = client_options(server.wss_url("localhost"), mint_jwt({}));
  options.tls.ca_file = certs_->ca_pem;
  auto client = start_client(std::move(options), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(probe.wait_status(Status::connected, in(kWait)));
  auto tls = server.wait_for_evt("tls", in(kWait));
  ASSERT_TRUE(tls);
  EXPECT_EQ((*tls)["servername"], "localhost");
}

TEST_F(TlsInterop, CertificateForAnotherNameIsRejectedEvenWithTheCa) {
  auto server = tls_server(/*wrong_name=*/true);
  ClientProbe probe;
  auto options = client_options(server.wss_url("localhost"), mint_jwt({}));
  options.tls.ca_file = certs_->ca_pem;
  auto client = start_client(std::move(options), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(failed_verification(probe));
  const auto why = probe.snapshot().transport_errors.at(0);
  EXPECT_NE(why.find("certificate verify failed"), std::string::npos) << why;
  EXPECT_EQ(probe.count_status(Status::connected), 0u);
}

TEST_F(TlsInterop, SkippingVerificationIsExplicitAndConnects) {
  auto server = tls_server(/*wrong_name=*/true);
  ClientProbe probe;
  auto options = client_options(server.wss_url(), mint_jwt({}));
  options.tls.insecure_skip_verify_dangerous = true;
  auto client = start_client(std::move(options), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(probe.wait_status(Status::connected, in(kWait)));
}

TEST_F(TlsInterop, PlainClientAgainstTlsServerFailsAndRetries) {
  auto server = tls_server();
  ClientProbe probe;
  auto client = start_client(client_options(server.http_url(), mint_jwt({})), probe);
  ASSERT_TRUE(client);
  ASSERT_TRUE(failed_verification(probe));
  EXPECT_EQ(probe.count_status(Status::connected), 0u);
}

TEST_F(TlsInterop, UnreadableCaFileIsAnErrorValue) {
  auto options = client_options("wss://127.0.0.1:1", mint_jwt({}));
  options.tls.ca_file = certs_->dir + "/missing.pem";
  auto made = client::NativeClient::create(std::move(options));
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error(), make_error_code(client::native_errc::bad_ca_file));

  auto not_pem = client_options("wss://127.0.0.1:1", mint_jwt({}));
  not_pem.tls.ca_file = certs_->dir + "/server.ext";
  auto made2 = client::NativeClient::create(std::move(not_pem));
  ASSERT_FALSE(made2.ok());
  EXPECT_EQ(made2.error(), make_error_code(client::native_errc::bad_ca_file));
}

}  // namespace
}  // namespace scansync::interop
