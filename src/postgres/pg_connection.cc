#include "postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>

namespace scansync::postgres {

void ResultDeleter::operator()(pg_result* r) const { PQclear(r); }

PgStatement PgStatement::query(std::string sql, std::vector<std::optional<std::string>> params) {
  return PgStatement{Kind::query, std::move(sql), {}, std::move(params)};
}
PgStatement PgStatement::prepare(std::string name, std::string sql) {
  return PgStatement{Kind::prepare, std::move(sql), std::move(name), {}};
}
PgStatement PgStatement::execute(std::string name, std::vector<std::optional<std::string>> params) {
  return PgStatement{Kind::execute, std::move(name), {}, std::move(params)};
}

struct PgConnection::Io {
  explicit Io(const boost::asio::any_io_executor& ex) : socket(ex), timer(ex) {}
  boost::asio::posix::stream_descriptor socket;
  boost::asio::steady_timer timer;
  // Bumped whenever the socket is re-wrapped or the deadline re-armed: a
  // completion already queued for the old one is ignored.
  std::uint64_t socket_gen = 0, deadline_gen = 0;

  void release() {
    ++socket_gen;
    if (socket.is_open()) (void)socket.release();  // libpq owns the descriptor
  }
};

struct PgConnection::Job {
  std::size_t statements = 0;
  std::size_t index = 0;    // the statement whose results are being read
  bool has_result = false;  // index's first result was taken
  std::vector<PgStatementResult> results;
  PipelineDone done;
};

namespace {

std::string error_text(pg_conn* conn) {
  std::string s = conn ? PQerrorMessage(conn) : "out of memory";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "connection failed" : s;
}

PgStatementResult take(PGresult* raw) {
  PgStatementResult r;
  r.result.reset(raw);
  switch (PQresultStatus(raw)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK: r.state = PgStatementResult::State::ok; break;
    case PGRES_PIPELINE_ABORTED: r.state = PgStatementResult::State::aborted; break;
    default: {
      r.state = PgStatementResult::State::error;
      const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
      r.sqlstate = state ? state : "";
      const char* primary = PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
      r.message = primary ? primary : PQresultErrorMessage(raw);
    }
  }
  return r;
}

}  // namespace

template <class F>
auto PgConnection::guarded(F f) {
  return [alive = std::weak_ptr<int>(alive_), f = std::move(f)](auto&&... args) mutable {
    if (alive.lock()) f(std::forward<decltype(args)>(args)...);
  };
}

PgConnection::PgConnection(boost::asio::any_io_executor executor, ConnectionOptions options)
    : executor_(std::move(executor)), options_(options), io_(std::make_unique<Io>(executor_)) {}

PgConnection::~PgConnection() {
  alive_.reset();  // queued completions become no-ops
  io_->release();
  io_->timer.cancel();
  if (conn_) PQfinish(conn_);
}

void PgConnection::connect(const std::string& url, ConnectDone done) {
  if (state_ != State::closed) close("reconnecting");
  connect_done_ = std::move(done);
  // expand_dbname: `dbname` may be a whole connection string or URI; the
  // keywords after it fill in what it leaves out.
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {url.c_str(), "scansync", nullptr};
  conn_ = PQconnectStartParams(keys, values, /*expand_dbname=*/1);
  state_ = State::connecting;
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) return fail(error_text(conn_));
  // Notices (e.g. "relation already exists, skipping") are not errors, and
  // libpq's default prints them on stderr.
  PQsetNoticeReceiver(conn_, [](void*, const PGresult*) {}, nullptr);
  arm_deadline(options_.connect_timeout);
  watch_socket();
  wait_writable();  // libpq: begin as if PQconnectPoll had answered PGRES_POLLING_WRITING
}

void PgConnection::watch_socket() {
  // libpq may open another socket at any step of the connect (another
  // address, SSL refused): wrap whichever it holds now.
  io_->release();
  reading_ = writing_ = false;
  const int fd = PQsocket(conn_);
  if (fd < 0) return;
  boost::system::error_code ec;
  io_->socket.assign(fd, ec);
}

void PgConnection::poll_connect() {
  const auto step = PQconnectPoll(conn_);
  watch_socket();
  switch (step) {
    case PGRES_POLLING_READING: return wait_readable();
    case PGRES_POLLING_WRITING: return wait_writable();
    case PGRES_POLLING_OK: break;
    default: return fail(error_text(conn_));
  }
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) return fail(error_text(conn_));
  state_ = State::ready;
  ++io_->deadline_gen;
  io_->timer.cancel();
  wait_readable();  // from now on always armed: it also notices a link that dies while idle
  if (auto done = std::exchange(connect_done_, nullptr)) done(std::nullopt);
}

void PgConnection::wait_readable() {
  if (reading_ || !io_->socket.is_open()) return;
  reading_ = true;
  io_->socket.async_wait(boost::asio::posix::descriptor_base::wait_read,
                         guarded([this, gen = io_->socket_gen](boost::system::error_code ec) {
                           if (gen != io_->socket_gen) return;
                           reading_ = false;
                           if (!ec) on_readable();
                         }));
}

void PgConnection::wait_writable() {
  if (writing_ || !io_->socket.is_open()) return;
  writing_ = true;
  io_->socket.async_wait(boost::asio::posix::descriptor_base::wait_write,
                         guarded([this, gen = io_->socket_gen](boost::system::error_code ec) {
                           if (gen != io_->socket_gen) return;
                           writing_ = false;
                           if (!ec) on_writable();
                         }));
}

void PgConnection::on_readable() {
  if (state_ == State::connecting) return poll_connect();
  if (!connected()) return;
  for (;;) {
    if (PQconsumeInput(conn_) == 0) return fail(error_text(conn_));
    while (PGnotify* n = PQnotifies(conn_)) PQfreemem(n);
    drain_results();
    if (!connected()) return;
    // libpq reads one buffer's worth; what is left would raise no new edge.
    pollfd p{PQsocket(conn_), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
  }
  wait_readable();
}

void PgConnection::on_writable() {
  if (state_ == State::connecting) return poll_connect();
  if (state_ == State::busy) flush();
}

void PgConnection::flush() {
  const int r = PQflush(conn_);
  if (r < 0) return fail(error_text(conn_));
  if (r == 1) wait_writable();  // the kernel took part; results are read meanwhile
}

void PgConnection::run(std::vector<PgStatement> statements, PipelineDone done) {
  job_ = std::make_unique<Job>();
  job_->statements = statements.size();
  job_->results.resize(statements.size());
  job_->done = std::move(done);
  state_ = State::busy;
  for (const auto& st : statements) {
    std::vector<const char*> params;
    params.reserve(st.params.size());
    for (const auto& p : st.params) params.push_back(p ? p->c_str() : nullptr);
    const int n = static_cast<int>(params.size());
    int sent = 0;
    switch (st.kind) {
      case PgStatement::Kind::query:
        sent = PQsendQueryParams(conn_, st.text.c_str(), n, nullptr, params.data(), nullptr, nullptr, 0);
        break;
      case PgStatement::Kind::prepare:
        sent = PQsendPrepare(conn_, st.name.c_str(), st.text.c_str(), 0, nullptr);
        break;
      case PgStatement::Kind::execute:
        sent = PQsendQueryPrepared(conn_, st.text.c_str(), n, params.data(), nullptr, nullptr, 0);
        break;
    }
    if (sent != 1) return fail(error_text(conn_));
  }
  if (PQpipelineSync(conn_) != 1) return fail(error_text(conn_));
  arm_deadline(options_.pipeline_timeout);
  flush();
  wait_readable();
}

void PgConnection::drain_results() {
  bool after_null = false;
  while (job_ && !PQisBusy(conn_)) {
    PGresult* raw = PQgetResult(conn_);
    if (!raw) {
      // The end of one statement's results. Two in a row: nothing is queued
      // in libpq (should not happen before the sync); wait for input.
      if (after_null) return;
      after_null = true;
      if (job_->has_result) {
        ++job_->index;
        job_->has_result = false;
      }
      continue;
    }
    after_null = false;
    if (PQresultStatus(raw) == PGRES_PIPELINE_SYNC) {
      PQclear(raw);
      return finish_job();
    }
    if (job_->index < job_->statements && !job_->has_result) {
      job_->results[job_->index] = take(raw);
      job_->has_result = true;
    } else {
      PQclear(raw);  // a statement's further results: none of ours has any
    }
  }
}

void PgConnection::finish_job() {
  ++io_->deadline_gen;
  io_->timer.cancel();
  state_ = State::ready;
  auto job = std::move(job_);
  PipelineResult result;
  result.statements = std::move(job->results);  // any never answered stay `aborted`
  job->done(std::move(result));
}

void PgConnection::close(const std::string& why) { fail(why, /*lost=*/false); }

void PgConnection::fail(const std::string& why, bool lost) {
  if (state_ == State::closed && !conn_) return;
  const State was = state_;
  io_->release();
  reading_ = writing_ = false;
  ++io_->deadline_gen;
  io_->timer.cancel();
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  state_ = State::closed;
  // Completions are posted: fail() may run inside connect() or run().
  if (was == State::connecting) {
    if (auto done = std::exchange(connect_done_, nullptr)) {
      boost::asio::post(executor_, guarded([done = std::move(done), why]() { done(why); }));
    }
  } else if (job_) {
    auto job = std::move(job_);
    boost::asio::post(executor_, guarded([job = std::move(job), why]() {
      PipelineResult r;
      r.link_error = why;
      job->done(std::move(r));
    }));
  } else if (lost && on_lost_) {
    boost::asio::post(executor_, guarded([this, why]() {
      if (on_lost_) on_lost_(why);
    }));
  }
}

void PgConnection::arm_deadline(std::chrono::milliseconds after) {
  const auto gen = ++io_->deadline_gen;
  io_->timer.expires_after(after);
  io_->timer.async_wait(guarded([this, gen](boost::system::error_code ec) {
    if (ec || gen != io_->deadline_gen) return;
    fail(state_ == State::connecting ? "connect timed out" : "no answer from the server in time");
  }));
}

}  // namespace scansync::postgres
