// What only the PostgreSQL repository has: migrations, the link, statement
// errors inside a pipeline. The semantics both engines share are in
// scans/scan_repository_conformance_test.cc (same binary, same server).
#include "postgres/postgres_scan_repository.h"

#include <gtest/gtest.h>

#include <random>

#include "postgres/pg_errors.h"
#include "postgres/pg_schema.h"
#include "scans/scan_repository_test_util.h"

namespace scansync::postgres {
namespace {

using scans::CreateScan;
using scans::Created;
using scans::RepositoryErrc;
using scans::RepositoryError;
using scans::testing::run_until;
using scans::testing::scan;

class PostgresRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = testing::PostgresTestServer::shared(why);
    if (!server_ && !testing::PostgresTestServer::binaries_found()) GTEST_SKIP() << "postgresql skipped: " << why;
    ASSERT_NE(server_, nullptr) << "postgresql cannot run: " << why;
    database_ = server_->new_database();
    ASSERT_FALSE(database_.empty());
  }
  std::unique_ptr<PostgresScanRepository> start(std::string url = {}) {
    PostgresOptions o;
    o.url = url.empty() ? server_->url(database_) : url;
    o.reconnect_initial = std::chrono::milliseconds(20);
    o.reconnect_max = std::chrono::milliseconds(200);
    return std::make_unique<PostgresScanRepository>(io_.get_executor(), std::move(o));
  }
  std::string query(const std::string& sql) {
    std::string value;
    EXPECT_TRUE(server_->exec(sql, database_, &value)) << sql;
    return value;
  }

  boost::asio::io_context io_;
  testing::PostgresTestServer* server_ = nullptr;
  std::string database_;
};

TEST(ReconnectDelay, DoublesFromTheInitialWaitUpToTheMost) {
  using std::chrono::milliseconds;
  EXPECT_EQ(reconnect_delay(1, milliseconds(100), milliseconds(1000)), milliseconds(100));
  EXPECT_EQ(reconnect_delay(2, milliseconds(100), milliseconds(1000)), milliseconds(200));
  EXPECT_EQ(reconnect_delay(4, milliseconds(100), milliseconds(1000)), milliseconds(800));
  EXPECT_EQ(reconnect_delay(5, milliseconds(100), milliseconds(1000)), milliseconds(1000));
  EXPECT_EQ(reconnect_delay(500, milliseconds(100), milliseconds(1000)), milliseconds(1000));
}

TEST_F(PostgresRepositoryTest, MigratesOnceThoughTwoNodesStartTogether) {
  auto a = start();
  auto b = start();
  ASSERT_TRUE(run_until(io_, [&] { return a->status().available && b->status().available; }));
  EXPECT_EQ(query("SELECT string_agg(version::text, ',') FROM schema_migrations"), std::to_string(kSchemaVersion));
  EXPECT_EQ(a->epoch(), b->epoch());
  EXPECT_EQ(query("SELECT value FROM meta WHERE key = 'epoch'"), a->epoch());
  EXPECT_EQ(a->status().engine, "postgresql");
}

TEST_F(PostgresRepositoryTest, ANewerSchemaIsRefusedWithTheReason) {
  query("CREATE TABLE schema_migrations(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());"
        "INSERT INTO schema_migrations(version) VALUES (99)");
  auto repo = start();
  ASSERT_TRUE(run_until(io_, [&] { return repo->status().last_error.has_value(); }));
  const auto status = repo->status();
  EXPECT_FALSE(status.available);
  EXPECT_EQ(status.last_error->cause, errc::schema_too_new);
  EXPECT_NE(status.last_error->detail.find("version 99"), std::string::npos) << status.last_error->detail;
  auto r = scans::testing::run_batch(io_, *repo, {CreateScan{"alice", scan("a")}});
  const auto* e = std::get_if<RepositoryError>(&r.results[0]);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code, RepositoryErrc::unavailable);
  EXPECT_NE(e->detail.find("newer"), std::string::npos) << e->detail;
  EXPECT_EQ(query("SELECT count(*) FROM pg_tables WHERE tablename = 'scans'"), "0");  // nothing written
}

TEST_F(PostgresRepositoryTest, AStatementErrorInABatchFailsOnlyItsOperation) {
  auto repo = start();
  ASSERT_TRUE(run_until(io_, [&] { return repo->status().available; }));
  // An id too large for the key's index (btree rows stop at 2704 bytes, and
  // random letters do not compress below that): the INSERT fails (54000).
  std::mt19937 rng(7);
  std::string huge(20000, 'a');
  for (auto& c : huge) c = static_cast<char>('a' + rng() % 26);
  auto b = scans::testing::run_batch(io_, *repo,
                                     {CreateScan{"alice", scan("a")}, CreateScan{"alice", scan(huge)},
                                      CreateScan{"alice", scan("b")}, scans::LatestSeq{"alice"}});
  EXPECT_EQ(std::get<Created>(b.results[0]).scan.seq, 1);
  const auto* e = std::get_if<RepositoryError>(&b.results[1]);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code, RepositoryErrc::internal);
  EXPECT_NE(e->detail.find("54000"), std::string::npos) << e->detail;
  EXPECT_EQ(std::get<Created>(b.results[2]).scan.seq, 2);
  EXPECT_EQ(std::get<scans::Latest>(b.results[3]).latest_seq, 2);
  EXPECT_TRUE(repo->status().available);
  EXPECT_EQ(query("SELECT last_seq FROM users WHERE user_id = 'alice'"), "2");
}

TEST_F(PostgresRepositoryTest, AUrlWithPasswordAndParametersIsTakenAsLibpqTakesIt) {
  auto repo = start("postgresql://postgres:secret@127.0.0.1:" + std::to_string(server_->port()) + "/" + database_ +
                    "?connect_timeout=5&application_name=scansync-test");
  ASSERT_TRUE(run_until(io_, [&] { return repo->status().available; }));
  EXPECT_EQ(query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'scansync-test'"), "1");
}

TEST_F(PostgresRepositoryTest, AnUnreachableServerIsUnavailableWithLibpqsReason) {
  // A loopback port nobody listens on (1 needs root to listen, and nothing does).
  auto repo = start("postgresql://postgres@127.0.0.1:1/" + database_);
  ASSERT_TRUE(run_until(io_, [&] { return repo->status().last_error.has_value(); }));
  EXPECT_FALSE(repo->status().available);
  EXPECT_EQ(repo->status().last_error->cause, errc::connect_failed);
  EXPECT_NE(repo->status().last_error->detail.find("refused"), std::string::npos) << repo->status().last_error->detail;
  auto r = scans::testing::run_batch(io_, *repo, {scans::LatestSeq{"alice"}});
  EXPECT_EQ(std::get<RepositoryError>(r.results[0]).code, RepositoryErrc::unavailable);
}

TEST_F(PostgresRepositoryTest, AMalformedUrlIsUnavailableWithTheReason) {
  auto repo = start("postgresql://[::1");
  ASSERT_TRUE(run_until(io_, [&] { return repo->status().last_error.has_value(); }));
  EXPECT_FALSE(repo->status().available);
  EXPECT_EQ(repo->status().last_error->cause, errc::connect_failed);
}

}  // namespace
}  // namespace scansync::postgres
