#include "cli/secret_mask.h"

#include <gtest/gtest.h>

namespace scansync::cli {
namespace {

TEST(SecretMask, NamesWhoseLastWordIsASecret) {
  for (const char* name : {"token", "jwt-secret", "api-key", "db-password", "tls-passphrase", "apikey", "API_KEY"}) {
    EXPECT_TRUE(holds_secret(name, "TEXT")) << name;
  }
}

TEST(SecretMask, PathsAndOtherWordsAreShown) {
  // A path says where a secret is: the operator needs to see it.
  for (const char* name : {"jwt-secret-file", "api-key-file", "token-file", "secret-dir", "key-path",
                           "max-token-ttl", "port", "cors-origin", "keyring-size", "data", "store"}) {
    EXPECT_FALSE(holds_secret(name, "TEXT")) << name;
  }
  // An option typed as a path (->check(CLI::ExistingFile), ->type_name("FILE")) is one whatever its name.
  EXPECT_FALSE(holds_secret("tls-key", "TEXT:FILE"));
  EXPECT_FALSE(holds_secret("tls-key", "FILE"));
  EXPECT_FALSE(holds_secret("secret", "PATH(existing)"));
  EXPECT_TRUE(holds_secret("tls-key", "TEXT")) << "untyped: the name decides, and it says key";
}

TEST(SecretMask, UrlPasswordsAndSecretQueryParameters) {
  EXPECT_EQ(mask_url_secrets("postgresql://u:pw@h/db"), "postgresql://u:***@h/db");
  EXPECT_EQ(mask_url_secrets("postgresql://u:p%40ss@h:5432/db?sslmode=require"),
            "postgresql://u:***@h:5432/db?sslmode=require");
  EXPECT_EQ(mask_url_secrets("redis://:secret@127.0.0.1:6379/0"), "redis://:***@127.0.0.1:6379/0");
  EXPECT_EQ(mask_url_secrets("postgresql://h/db?user=u&password=pw&sslpassword=x"),
            "postgresql://h/db?user=u&password=***&sslpassword=***");
  EXPECT_EQ(mask_url_secrets("https://h/cb?token=abc#frag"), "https://h/cb?token=***#frag");
  EXPECT_EQ(mask_url_secrets("redis://a:1@h1,redis://b:2@h2"), "redis://a:***@h1,redis://b:***@h2");
  // Nothing to hide: unchanged.
  for (const char* plain : {"postgresql://u@h/db", "https://app.example", "ws://127.0.0.1:8080/x?a=1", "not a url",
                            "/var/lib/scansync", "", "mailto:a@b"}) {
    EXPECT_EQ(mask_url_secrets(plain), plain);
  }
}

TEST(SecretMask, ShownValue) {
  EXPECT_EQ(shown_value("api-key", "TEXT", "sk_live_123"), "***");
  EXPECT_EQ(shown_value("api-key", "TEXT", ""), "") << "an empty value hides nothing";
  EXPECT_EQ(shown_value("jwt-secret-file", "TEXT", "/etc/scansync/secret"), "/etc/scansync/secret");
  EXPECT_EQ(shown_value("store", "TEXT", "postgresql://u:pw@h/db"), "postgresql://u:***@h/db");
}

TEST(SecretMask, WhatWasMaskedIsRecognised) {
  EXPECT_TRUE(carries_mask("***"));
  EXPECT_TRUE(carries_mask("postgresql://u:***@h/db"));
  EXPECT_TRUE(carries_mask("postgresql://h/db?password=***"));
  EXPECT_FALSE(carries_mask("postgresql://u:pw@h/db"));
  EXPECT_FALSE(carries_mask("a*b"));
  EXPECT_FALSE(carries_mask(""));
}

}  // namespace
}  // namespace scansync::cli
