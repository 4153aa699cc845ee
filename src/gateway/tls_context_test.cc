#include "gateway/tls_context.h"

#include <gtest/gtest.h>

#include <fstream>

#include "gateway/tls_test_util.h"

namespace scansync::gateway {
namespace {

using testing::TestPki;

class TlsContextLoad : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(pki_.ok()); }
  TestPki pki_;
  std::string detail_;
};

TEST_F(TlsContextLoad, AChainAndItsKeyLoad) {
  auto loaded = TlsContext::load(pki_.chain(), pki_.key(), &detail_);
  ASSERT_TRUE(loaded.ok()) << detail_;
  EXPECT_NE(*loaded, nullptr);
  EXPECT_TRUE(TlsContext::load(pki_.leaf_only(), pki_.key(), nullptr).ok()) << "a lone leaf is a chain too";
}

TEST_F(TlsContextLoad, OneFileWithoutTheOtherIsIncomplete) {
  EXPECT_EQ(TlsContext::load(pki_.chain(), {}, &detail_).error(), TlsError::incomplete);
  EXPECT_EQ(detail_, "a TLS certificate without a key");
  EXPECT_EQ(TlsContext::load({}, pki_.key(), &detail_).error(), TlsError::incomplete);
  EXPECT_EQ(detail_, "a TLS key without a certificate");
}

TEST_F(TlsContextLoad, AMissingFileIsNamedWithTheSystemsReason) {
  const auto missing = pki_.file("missing.pem");
  EXPECT_EQ(TlsContext::load(missing, pki_.key(), &detail_).error(), TlsError::cert_unusable);
  EXPECT_EQ(detail_, missing.string() + ": No such file or directory");
  EXPECT_EQ(TlsContext::load(pki_.chain(), missing, &detail_).error(), TlsError::key_unusable);
  EXPECT_EQ(detail_, missing.string() + ": No such file or directory");
}

TEST_F(TlsContextLoad, ACertificateFileWithoutACertificateIsNamedWithOpenSslsReason) {
  EXPECT_EQ(TlsContext::load(pki_.key(), pki_.key(), &detail_).error(), TlsError::cert_unusable);
  EXPECT_EQ(detail_.rfind(pki_.key().string() + ": not a PEM certificate chain (", 0), 0u) << detail_;
  EXPECT_NE(detail_.find("no start line"), std::string::npos) << detail_;
  std::ofstream(pki_.file("empty.pem")).flush();
  EXPECT_EQ(TlsContext::load(pki_.file("empty.pem"), pki_.key(), &detail_).error(), TlsError::cert_unusable);
}

TEST_F(TlsContextLoad, AKeyFileWithoutAKeyIsKeyUnusable) {
  EXPECT_EQ(TlsContext::load(pki_.chain(), pki_.chain(), &detail_).error(), TlsError::key_unusable);
  EXPECT_EQ(detail_.rfind(pki_.chain().string() + ": not a PEM private key", 0), 0u) << detail_;
}

TEST_F(TlsContextLoad, AnotherKeyIsAMismatchNamingBothFiles) {
  EXPECT_EQ(TlsContext::load(pki_.chain(), pki_.other_key_file(), &detail_).error(), TlsError::key_mismatch);
  EXPECT_NE(detail_.find(pki_.other_key_file().string() + ": not the key of the certificate in " +
                         pki_.chain().string()),
            std::string::npos)
      << detail_;
  EXPECT_NE(detail_.find("key values mismatch"), std::string::npos) << detail_;
}

TEST_F(TlsContextLoad, AKeyWithAPassphraseFailsInsteadOfPrompting) {
  // A prompt would read the terminal (or hang a test without one).
  EXPECT_EQ(TlsContext::load(pki_.chain(), pki_.encrypted_key(), &detail_).error(), TlsError::key_unusable);
  EXPECT_NE(detail_.find("without a passphrase"), std::string::npos) << detail_;
}

TEST(TlsError, HasItsOwnCategory) {
  const std::error_code ec = TlsError::key_mismatch;
  EXPECT_STREQ(ec.category().name(), "scansync.tls");
  EXPECT_EQ(ec.message(), "the TLS key does not belong to the certificate");
}

}  // namespace
}  // namespace scansync::gateway
