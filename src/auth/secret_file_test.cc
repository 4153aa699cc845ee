#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "scansync/auth/jwt.h"
#include "test_support/temp_dir.h"

namespace scansync::auth {
namespace {

namespace fs = std::filesystem;

class SecretFileTest : public ::testing::Test {
 protected:
  test_support::TempDir dir_{"scansync-secret"};
};

TEST_F(SecretFileTest, CreatesDevSecretWithMode0600) {
  const fs::path data = dir_ / "nested" / "data";
  auto s = load_or_create_dev_secret(data);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->size(), 64u);
  EXPECT_EQ(s->find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((data / "jwt-secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // No temporary file left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(data)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(SecretFileTest, SecondCallReturnsTheSameSecret) {
  auto a = load_or_create_dev_secret(dir_.path());
  auto b = load_or_create_dev_secret(dir_.path());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  auto c = load_secret_file(dir_ / "jwt-secret");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, *a);
}

TEST_F(SecretFileTest, OpenDevSecretSaysWhetherItCreatedTheFile) {
  auto first = open_dev_secret(dir_.path());
  auto second = open_dev_secret(dir_.path());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(first->secret, second->secret);
}

TEST_F(SecretFileTest, TwoDataDirsGetDifferentSecrets) {
  auto a = load_or_create_dev_secret(dir_ / "a");
  auto b = load_or_create_dev_secret(dir_ / "b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(SecretFileTest, SecretFileIsTrimmed) {
  std::ofstream(dir_ / "s") << "  my secret\n\n";
  auto s = load_secret_file(dir_ / "s");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "my secret");
}

TEST_F(SecretFileTest, MissingOrEmptySecretFileIsAnError) {
  EXPECT_EQ(load_secret_file(dir_ / "absent").error(), errc::secret_file_error);
  std::ofstream(dir_ / "empty") << " \n";
  EXPECT_EQ(load_secret_file(dir_ / "empty").error(), errc::secret_file_error);
  EXPECT_EQ(load_secret_file(dir_.path()).error(), errc::secret_file_error);  // a directory
}

TEST_F(SecretFileTest, DataDirThatIsAFileIsAnError) {
  std::ofstream(dir_ / "file") << "x";
  EXPECT_EQ(load_or_create_dev_secret(dir_ / "file").error(), errc::secret_file_error);
}

TEST_F(SecretFileTest, ExistingEmptyDevSecretIsAnError) {
  std::ofstream(dir_ / "jwt-secret") << "";
  EXPECT_EQ(load_or_create_dev_secret(dir_.path()).error(), errc::secret_file_error);
}

}  // namespace
}  // namespace scansync::auth
