#include "auth/api_key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_support/temp_dir.h"

namespace scansync::auth {
namespace {

namespace fs = std::filesystem;

const std::string kKeyA(40, 'a');
const std::string kKeyB = "ssk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class ApiKeyFileTest : public ::testing::Test {
 protected:
  // Writes `text` to NAME with `mode`; returns its path.
  fs::path write(std::string_view name, std::string_view text, mode_t mode = 0600) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
  static mode_t mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  static std::string read(const fs::path& p) {
    std::ostringstream ss;
    ss << std::ifstream(p, std::ios::binary).rdbuf();
    return ss.str();
  }
  test_support::TempDir dir_{"scansync-api-keys"};
};

TEST_F(ApiKeyFileTest, OneKeyPerLineWithCommentsAndBlankLines) {
  const auto f = write("keys", "# backend import, 2026-12\n" + kKeyA + "\n\n  " + kKeyB + " \r\n   # old key removed\n");
  const ApiKeyFile k = load_api_key_file(f);
  ASSERT_FALSE(k.error) << k.detail;
  EXPECT_EQ(k.keys, (std::vector<std::string>{kKeyA, kKeyB}));
}

TEST_F(ApiKeyFileTest, LastLineWithoutNewlineAndMode0400AreFine) {
  const ApiKeyFile k = load_api_key_file(write("keys", kKeyB, 0400));
  ASSERT_FALSE(k.error) << k.detail;
  EXPECT_EQ(k.keys, std::vector<std::string>{kKeyB});
}

TEST_F(ApiKeyFileTest, GroupOrOthersMayNotTouchIt) {
  for (mode_t mode : {0640, 0604, 0620, 0602, 0644, 0660, 0610}) {
    const ApiKeyFile k = load_api_key_file(write("keys", kKeyA + "\n", mode));
    EXPECT_EQ(k.error, api_key_errc::open_to_others) << std::oct << mode;
    EXPECT_TRUE(k.keys.empty());
    EXPECT_NE(k.detail.find("chmod 600"), std::string::npos) << k.detail;
  }
  const ApiKeyFile k = load_api_key_file(write("keys", kKeyA, 0644));
  EXPECT_NE(k.detail.find("0644"), std::string::npos) << k.detail;
  EXPECT_FALSE(load_api_key_file(write("keys", kKeyA, 0700)).error) << "the owner's own bits are the owner's business";
}

TEST_F(ApiKeyFileTest, EmptyOrCommentsOnlyHoldsNoKey) {
  EXPECT_EQ(load_api_key_file(write("empty", "")).error, api_key_errc::no_keys);
  EXPECT_EQ(load_api_key_file(write("empty", "")).detail, "empty");
  EXPECT_EQ(load_api_key_file(write("blank", " \n\n\t\n")).error, api_key_errc::no_keys);
  EXPECT_EQ(load_api_key_file(write("comments", "# " + kKeyA + "\n#\n")).error, api_key_errc::no_keys)
      << "a commented-out key is no key";
}

TEST_F(ApiKeyFileTest, AMalformedLineIsNamedWithoutTheKey) {
  const std::string weak = "short-secret";
  ApiKeyFile k = load_api_key_file(write("keys", kKeyA + "\n# c\n" + weak + "\n"));
  EXPECT_EQ(k.error, api_key_errc::bad_key);
  EXPECT_TRUE(k.keys.empty()) << "no partial key list";
  EXPECT_EQ(k.detail, "line 3: 12 characters, a key has at least 32");
  EXPECT_EQ(k.detail.find(weak), std::string::npos);

  k = load_api_key_file(write("keys", std::string(40, 'x') + " " + std::string(40, 'y') + "\n"));
  EXPECT_EQ(k.error, api_key_errc::bad_key) << "two keys on one line";
  EXPECT_EQ(k.detail, "line 1: character 41 is not one of a bearer token's (letters, digits, - . _ ~ + / =)");

  k = load_api_key_file(write("keys", std::string(1025, 'k')));
  EXPECT_EQ(k.error, api_key_errc::bad_key);
  EXPECT_EQ(k.detail, "line 1: 1025 characters, a key has at most 1024");
  EXPECT_FALSE(load_api_key_file(write("keys", std::string(1024, 'k'))).error);
  EXPECT_FALSE(load_api_key_file(write("keys", "AZaz09-._~+/=" + std::string(19, 'k'))).error) << "every allowed character";
  EXPECT_EQ(load_api_key_file(write("keys", "\xc3\xa9" + std::string(40, 'k'))).error, api_key_errc::bad_key);
}

TEST_F(ApiKeyFileTest, WellFormedKey) {
  EXPECT_TRUE(well_formed_api_key(kKeyB));
  EXPECT_TRUE(well_formed_api_key(std::string(32, 'a')));
  std::string why;
  EXPECT_FALSE(well_formed_api_key(std::string(31, 'a'), &why));
  EXPECT_EQ(why, "31 characters, a key has at least 32");
  EXPECT_FALSE(well_formed_api_key(std::string(31, 'a') + "\"", &why));
  EXPECT_FALSE(well_formed_api_key(""));
}

TEST_F(ApiKeyFileTest, AKeyEqualToTheJwtSecretIsRefused) {
  const auto f = write("keys", kKeyA + "\n" + kKeyB + "\n");
  const ApiKeyFile k = load_api_key_file(f, kKeyB);
  EXPECT_EQ(k.error, api_key_errc::same_as_jwt_secret);
  EXPECT_EQ(k.detail, "line 2 is the JWT secret; an API key must be a secret of its own");
  EXPECT_FALSE(load_api_key_file(f, "another-secret").error);
}

TEST_F(ApiKeyFileTest, MissingDirectoryOrFifoIsAnError) {
  const ApiKeyFile missing = load_api_key_file(dir_ / "absent");
  EXPECT_EQ(missing.error, api_key_errc::unreadable);
  EXPECT_EQ(missing.detail, "No such file or directory");
  ::chmod(dir_.path().c_str(), 0700);
  EXPECT_EQ(load_api_key_file(dir_.path()).error, api_key_errc::not_a_regular_file);
  const fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(load_api_key_file(fifo).error, api_key_errc::not_a_regular_file) << "and the open did not hang";
}

TEST_F(ApiKeyFileTest, ASymlinkToAGoodFileIsFollowed) {
  const auto f = write("real", kKeyA + "\n");
  fs::create_symlink(f, dir_ / "link");
  const ApiKeyFile k = load_api_key_file(dir_ / "link");
  ASSERT_FALSE(k.error) << k.detail;
  EXPECT_EQ(k.keys, std::vector<std::string>{kKeyA});
}

TEST_F(ApiKeyFileTest, GeneratedKeysAreLongRandomAndWellFormed) {
  auto a = generate_api_key();
  auto b = generate_api_key();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  ASSERT_EQ(a->size(), 4u + 64u);
  EXPECT_EQ(a->substr(0, 4), "ssk_");
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef", 4), std::string::npos);
  EXPECT_TRUE(well_formed_api_key(*a));
}

TEST_F(ApiKeyFileTest, CreateWritesMode0600WithTheKeyAndLeavesNothingElse) {
  const fs::path f = dir_ / "api-keys";
  auto key = create_api_key_file(f, "# added 2026-12-02T03:00:00Z");
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(mode_of(f), 0600);
  EXPECT_EQ(read(f), "# added 2026-12-02T03:00:00Z\n" + *key + "\n");
  const ApiKeyFile k = load_api_key_file(f);
  ASSERT_FALSE(k.error) << k.detail;
  EXPECT_EQ(k.keys, std::vector<std::string>{*key});
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.path())) ++entries;
  EXPECT_EQ(entries, 1) << "no temporary file left behind";
}

TEST_F(ApiKeyFileTest, CreateRefusesAnExistingFileAndLeavesItAlone) {
  const auto f = write("api-keys", "mine\n", 0644);
  EXPECT_EQ(create_api_key_file(f, "").error(), api_key_errc::exists);
  EXPECT_EQ(read(f), "mine\n");
  EXPECT_EQ(mode_of(f), 0644);
  fs::create_symlink(dir_ / "nowhere", dir_ / "dangling");
  EXPECT_EQ(create_api_key_file(dir_ / "dangling", "").error(), api_key_errc::exists)
      << "a dangling link is not followed to create a file elsewhere";
  EXPECT_EQ(create_api_key_file(dir_ / "no" / "such" / "dir" / "keys", "").error(), api_key_errc::write_failed);
}

TEST_F(ApiKeyFileTest, AddAppendsANewKeyAndKeepsWhatWasThere) {
  const auto f = write("api-keys", "# first\n" + kKeyA, 0400);
  auto key = add_api_key(f, "added later");
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(read(f), "# first\n" + kKeyA + "\n# added later\n" + *key + "\n");
  EXPECT_EQ(mode_of(f), 0600);
  const ApiKeyFile k = load_api_key_file(f);
  ASSERT_FALSE(k.error) << k.detail;
  EXPECT_EQ(k.keys, (std::vector<std::string>{kKeyA, *key}));
}

TEST_F(ApiKeyFileTest, AddRefusesAFileThatDoesNotLoad) {
  const auto open = write("open", kKeyA + "\n", 0644);
  EXPECT_EQ(add_api_key(open, "").error(), api_key_errc::open_to_others);
  EXPECT_EQ(read(open), kKeyA + "\n");
  EXPECT_EQ(add_api_key(dir_ / "absent", "").error(), api_key_errc::unreadable);
  EXPECT_FALSE(fs::exists(dir_ / "absent"));
  EXPECT_EQ(add_api_key(write("bad", "nope\n"), "").error(), api_key_errc::bad_key);
}

TEST_F(ApiKeyFileTest, AddThroughASymlinkUpdatesTheTargetAndKeepsTheLink) {
  const auto real = write("real", kKeyA + "\n");
  fs::create_symlink(real, dir_ / "link");
  auto key = add_api_key(dir_ / "link", "");
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_TRUE(fs::is_symlink(dir_ / "link"));
  EXPECT_EQ(read(real), kKeyA + "\n" + *key + "\n");
}

TEST_F(ApiKeyFileTest, ErrorsHaveMessages) {
  EXPECT_STREQ(api_key_category().name(), "scansync.api_key_file");
  EXPECT_EQ(std::error_code(api_key_errc::open_to_others).message(),
            "API key file may be read or written by group or others");
}

}  // namespace
}  // namespace scansync::auth
