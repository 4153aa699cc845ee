#include "gateway/web_root.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace scansync::gateway {
namespace {

namespace fs = std::filesystem;

class WebRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("web_root_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(base_ / "root" / "sub");
    write("root/index.html", "<h1>hi</h1>");
    write("root/app.js", "plain");
    write("root/app.js.gz", "zipped");
    write("secret.txt", "outside");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  void write(const std::string& rel, const std::string& text) { std::ofstream(base_ / rel, std::ios::binary) << text; }
  WebRoot root() { return *WebRoot::at(base_ / "root"); }

  fs::path base_;
};

TEST_F(WebRootTest, ReadsFilesAndPrefersGzipWhenTaken) {
  auto index = root().read("index.html", true);
  ASSERT_TRUE(index) << index.error().message();
  EXPECT_EQ(index->body, "<h1>hi</h1>");
  EXPECT_EQ(index->size, 11u);
  EXPECT_FALSE(index->gzip) << "no .gz sibling: the file itself";
  EXPECT_GT(index->mtime_ns, 0);
  auto gz = root().read("app.js", true);
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->body, "zipped");
  EXPECT_TRUE(gz->gzip);
  auto plain = root().read("app.js", false);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, "plain");
}

TEST_F(WebRootTest, MissingDirectoriesAndEscapesAreNotFound) {
  EXPECT_EQ(root().read("nothing.js", true).error(), WebFileError::not_found);
  EXPECT_EQ(root().read("sub", false).error(), WebFileError::not_found) << "a folder is not a file";
  fs::create_symlink(base_ / "secret.txt", base_ / "root" / "link.txt");
  EXPECT_EQ(root().read("link.txt", false).error(), WebFileError::not_found) << "symlink out of the root";
  fs::create_directory_symlink(base_, base_ / "root" / "up");
  EXPECT_EQ(root().read("up/secret.txt", false).error(), WebFileError::not_found);
  fs::create_symlink(base_ / "root" / "index.html", base_ / "root" / "alias.html");
  EXPECT_TRUE(root().read("alias.html", false)) << "a symlink staying inside is fine";
  fs::create_symlink(base_ / "secret.txt", base_ / "root" / "index.html.gz");
  auto index = root().read("index.html", true);
  ASSERT_TRUE(index);
  EXPECT_FALSE(index->gzip) << "an escaping .gz sibling is ignored";
}

TEST_F(WebRootTest, LargeFilesAreRefused) {
  std::ofstream(base_ / "root" / "big.bin", std::ios::binary) << std::string(kMaxWebFile + 1, 'x');
  EXPECT_EQ(root().read("big.bin", false).error(), WebFileError::too_large);
  std::ofstream(base_ / "root" / "max.bin", std::ios::binary) << std::string(kMaxWebFile, 'x');
  auto max = root().read("max.bin", false);
  ASSERT_TRUE(max);
  EXPECT_EQ(max->body.size(), kMaxWebFile);
}

TEST_F(WebRootTest, RootMustBeAFolder) {
  EXPECT_FALSE(WebRoot::at(base_ / "nope"));
  EXPECT_FALSE(WebRoot::at(base_ / "secret.txt"));
  EXPECT_EQ(WebRoot::at(base_ / "root" / "sub" / "..")->dir(), fs::canonical(base_ / "root"));
}

TEST(DefaultWebRoots, InstallLayoutThenBuildTree) {
  const auto roots = default_web_roots();
  ASSERT_EQ(roots.size(), 2u);
  EXPECT_EQ(roots[0].lexically_normal().parent_path().filename(), "scansync");
  EXPECT_EQ(roots[1].filename(), "web");
}

}  // namespace
}  // namespace scansync::gateway
