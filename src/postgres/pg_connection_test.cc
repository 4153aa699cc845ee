// PgConnection against a silent peer and a real server: deadlines, large
// pipelines (the kernel takes part of them: reading while writing), a server
// that stops answering, and callbacks never run inside the call.
#include "postgres/pg_connection.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>

#include "postgres/postgres_test_server.h"
#include "scans/scan_repository_test_util.h"

namespace scansync::postgres {
namespace {

using scans::testing::run_until;
using namespace std::chrono_literals;

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    server_ = testing::PostgresTestServer::shared(why);
    if (!server_ && !testing::PostgresTestServer::binaries_found()) GTEST_SKIP() << "postgresql skipped: " << why;
    ASSERT_NE(server_, nullptr) << "postgresql cannot run: " << why;
  }
  // Connects `c` to the server's `postgres` database.
  void connect(PgConnection& c) {
    std::optional<std::optional<std::string>> result;
    c.connect(server_->url("postgres"), [&](std::optional<std::string> e) { result = std::move(e); });
    ASSERT_TRUE(run_until(io_, [&] { return result.has_value(); }));
    ASSERT_FALSE(result->has_value()) << **result;
    ASSERT_TRUE(c.ready());
  }
  PipelineResult run(PgConnection& c, std::vector<PgStatement> statements) {
    std::optional<PipelineResult> out;
    c.run(std::move(statements), [&](PipelineResult r) { out = std::move(r); });
    EXPECT_TRUE(run_until(io_, [&] { return out.has_value(); }));
    return out ? std::move(*out) : PipelineResult{"no answer", {}};
  }

  boost::asio::io_context io_;
  testing::PostgresTestServer* server_ = nullptr;
};

TEST(PgConnectionSilentPeer, ConnectTimesOutAgainstAPeerThatNeverAnswers) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor listener(io, {boost::asio::ip::address_v4::loopback(), 0});
  boost::asio::ip::tcp::socket peer(io);
  listener.async_accept(peer, [](boost::system::error_code) {});
  PgConnection c(io.get_executor(), ConnectionOptions{.connect_timeout = 200ms});
  std::optional<std::optional<std::string>> result;
  bool returned = false;
  c.connect("postgresql://x@127.0.0.1:" + std::to_string(listener.local_endpoint().port()) + "/db",
            [&](std::optional<std::string> e) {
              EXPECT_TRUE(returned) << "called inside connect()";
              result = std::move(e);
            });
  returned = true;
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }, 10s));
  ASSERT_TRUE(result->has_value());
  EXPECT_EQ(**result, "connect timed out");
  EXPECT_FALSE(c.connected());
}

TEST(PgConnectionSilentPeer, AMalformedUrlFailsAfterTheCallReturns) {
  boost::asio::io_context io;
  PgConnection c(io.get_executor(), {});
  std::optional<std::optional<std::string>> result;
  c.connect("postgresql://[::1", [&](std::optional<std::string> e) { result = std::move(e); });
  EXPECT_FALSE(result.has_value());
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }, 10s));
  ASSERT_TRUE(result->has_value());
  EXPECT_FALSE((*result)->empty());
}

TEST_F(PgConnectionTest, APipelineLargerThanTheSocketBuffersAnswersEveryStatementInOrder) {
  PgConnection c(io_.get_executor(), {});
  connect(c);
  // About 8 MB out and back: more than the kernel buffers hold either way,
  // so libpq must flush in parts while the answers are read.
  constexpr int kStatements = 2000;
  const std::string payload(4000, 'p');
  std::vector<PgStatement> statements;
  for (int i = 0; i < kStatements; ++i) {
    statements.push_back(PgStatement::query("SELECT $1::int, $2::text", {std::to_string(i), payload}));
  }
  auto r = run(c, std::move(statements));
  ASSERT_FALSE(r.link_error) << *r.link_error;
  ASSERT_EQ(r.statements.size(), static_cast<std::size_t>(kStatements));
  for (int i = 0; i < kStatements; ++i) {
    ASSERT_EQ(r.statements[i].state, PgStatementResult::State::ok) << i << " " << r.statements[i].message;
    ASSERT_EQ(std::string(PQgetvalue(r.statements[i].result.get(), 0, 0)), std::to_string(i));
    ASSERT_EQ(PQgetlength(r.statements[i].result.get(), 0, 1), 4000);
  }
  EXPECT_TRUE(c.ready());
}

TEST_F(PgConnectionTest, AnErrorAbortsTheRestOfItsPipelineOnly) {
  PgConnection c(io_.get_executor(), {});
  connect(c);
  auto r = run(c, {PgStatement::query("SELECT 1"), PgStatement::query("SELECT 1/0"), PgStatement::query("SELECT 3")});
  ASSERT_FALSE(r.link_error);
  ASSERT_EQ(r.statements.size(), 3u);
  EXPECT_EQ(r.statements[0].state, PgStatementResult::State::ok);
  EXPECT_EQ(r.statements[1].state, PgStatementResult::State::error);
  EXPECT_EQ(r.statements[1].sqlstate, "22012");  // division_by_zero
  EXPECT_EQ(r.statements[2].state, PgStatementResult::State::aborted);
  auto next = run(c, {PgStatement::query("SELECT 4")});
  ASSERT_FALSE(next.link_error);
  EXPECT_EQ(std::string(PQgetvalue(next.statements[0].result.get(), 0, 0)), "4");
}

TEST_F(PgConnectionTest, AServerThatStopsAnsweringClosesTheLinkAtTheDeadline) {
  PgConnection c(io_.get_executor(), ConnectionOptions{.pipeline_timeout = 300ms});
  connect(c);
  auto pid = run(c, {PgStatement::query("SELECT pg_backend_pid()")});
  ASSERT_FALSE(pid.link_error);
  const int backend = std::stoi(PQgetvalue(pid.statements[0].result.get(), 0, 0));
  ASSERT_EQ(::kill(backend, SIGSTOP), 0);
  auto r = run(c, {PgStatement::query("SELECT 1")});
  ::kill(backend, SIGCONT);
  ASSERT_TRUE(r.link_error.has_value());
  EXPECT_EQ(*r.link_error, "no answer from the server in time");
  EXPECT_FALSE(c.connected());
}

TEST_F(PgConnectionTest, AServerClosingAnIdleLinkIsReportedAsLost) {
  PgConnection c(io_.get_executor(), {});
  std::optional<std::string> lost;
  c.set_on_lost([&](std::string why) { lost = std::move(why); });
  connect(c);
  auto pid = run(c, {PgStatement::query("SELECT pg_backend_pid()")});
  ASSERT_FALSE(pid.link_error);
  ASSERT_TRUE(server_->exec("SELECT pg_terminate_backend(" +
                            std::string(PQgetvalue(pid.statements[0].result.get(), 0, 0)) + ")"));
  ASSERT_TRUE(run_until(io_, [&] { return lost.has_value(); }));
  EXPECT_FALSE(c.connected());
}

}  // namespace
}  // namespace scansync::postgres
