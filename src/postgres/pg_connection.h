#pragma once
// PgConnection: one libpq connection driven from an Asio event loop, never
// blocking it. Connecting uses PQconnectStartParams/PQconnectPoll; every
// exchange after that is one pipeline (libpq pipeline mode): all statements
// sent at once, then a sync, answered in one round trip.
//
// The socket is libpq's; it is watched (never read) through a
// posix::stream_descriptor's async_wait and released, not closed, when the
// link goes. Asio's epoll reactor does not retry a wait for data that was
// already there when the wait began, so after libpq has read, the socket is
// polled once more (poll with timeout 0) before waiting again: bytes libpq
// left in the kernel are never stranded.
//
// Lifetime: callbacks are never called from inside the call that was given
// them (connect, run) and never after the PgConnection is destroyed.
// Single-threaded: one executor, one thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

struct pg_conn;
struct pg_result;

namespace scansync::postgres {

struct ResultDeleter {
  void operator()(pg_result* r) const;
};
using PgResult = std::unique_ptr<pg_result, ResultDeleter>;

// One statement of a pipeline. Parameters are sent as text; nullopt is NULL.
struct PgStatement {
  enum class Kind { query, prepare, execute };
  Kind kind = Kind::query;
  std::string text;  // query, prepare: the SQL; execute: the prepared statement's name
  std::string name;  // prepare: the name it is prepared under
  std::vector<std::optional<std::string>> params;

  static PgStatement query(std::string sql, std::vector<std::optional<std::string>> params = {});
  static PgStatement prepare(std::string name, std::string sql);
  static PgStatement execute(std::string name, std::vector<std::optional<std::string>> params);
};

struct PgStatementResult {
  enum class State {
    ok,       // PGRES_COMMAND_OK / PGRES_TUPLES_OK: `result` holds the rows
    error,    // the statement failed: sqlstate, message
    aborted,  // not run: an earlier statement of the pipeline failed
  };
  State state = State::aborted;
  PgResult result;
  std::string sqlstate;  // e.g. "40P01"
  std::string message;
};

struct PipelineResult {
  // Set when the link failed before the pipeline's sync was answered: what
  // the server did with the statements (a COMMIT among them) is unknown.
  std::optional<std::string> link_error;
  std::vector<PgStatementResult> statements;  // one per statement, when link_error is unset
};

struct ConnectionOptions {
  std::chrono::milliseconds connect_timeout{5000};   // libpq's own applies to blocking calls only
  std::chrono::milliseconds pipeline_timeout{10000};  // an unanswered pipeline closes the link
};

class PgConnection {
 public:
  PgConnection(boost::asio::any_io_executor executor, ConnectionOptions options);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // `url`: a libpq connection string or URI (postgresql://user:pw@host:port/db?…).
  // libpq resolves a host name synchronously: give an address, or a name the
  // resolver answers at once (localhost). `done` gets nullopt once the link
  // is up, or why not.
  using ConnectDone = std::function<void(std::optional<std::string> error)>;
  void connect(const std::string& url, ConnectDone done);

  // Sends `statements` as one pipeline. Precondition: ready().
  using PipelineDone = std::function<void(PipelineResult)>;
  void run(std::vector<PgStatement> statements, PipelineDone done);

  // Called when the link breaks while no pipeline is in flight (with one in
  // flight, that pipeline's link_error says so instead).
  void set_on_lost(std::function<void(std::string why)> on_lost) { on_lost_ = std::move(on_lost); }

  bool ready() const { return state_ == State::ready; }   // connected, no pipeline in flight
  bool connected() const { return state_ == State::ready || state_ == State::busy; }

  // Drops the link; a pipeline in flight completes with link_error, a
  // connect in progress with an error; on_lost is not called.
  void close(const std::string& why);

 private:
  enum class State { closed, connecting, ready, busy };
  struct Job;

  void poll_connect();
  void watch_socket();           // (re)wraps PQsocket after a connect step
  void wait_readable();
  void wait_writable();
  void on_readable();
  void on_writable();
  void flush();
  void drain_results();
  void finish_job();
  // Drops the link; completes what waits on it (posted). `lost`: tell on_lost.
  void fail(const std::string& why, bool lost = true);
  void arm_deadline(std::chrono::milliseconds after);
  template <class F>
  auto guarded(F f);             // a handler that does nothing once `this` is gone

  boost::asio::any_io_executor executor_;
  ConnectionOptions options_;
  pg_conn* conn_ = nullptr;
  State state_ = State::closed;
  struct Io;
  std::unique_ptr<Io> io_;       // the descriptor and the timer (Asio types kept out of this header)
  bool reading_ = false, writing_ = false;
  ConnectDone connect_done_;
  std::unique_ptr<Job> job_;
  std::function<void(std::string)> on_lost_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace scansync::postgres
