#include "fanout/redis_asio.h"

#include <hiredis/async.h>
#include <poll.h>

#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace scansync::fanout {
namespace {

using boost::asio::posix::stream_descriptor;

struct Watcher {
  explicit Watcher(const boost::asio::any_io_executor& ex) : executor(ex), socket(ex) {}
  boost::asio::any_io_executor executor;
  redisAsyncContext* ac = nullptr;  // null once hiredis cleaned up
  stream_descriptor socket;
  bool want[2] = {false, false};   // [0] read, [1] write: what hiredis asked for
  bool armed[2] = {false, false};  // a wait (or a posted handling) is outstanding
};
using WatcherPtr = std::shared_ptr<Watcher>;

constexpr int kRead = 0, kWrite = 1;

bool ready_now(int fd, int direction) {
  pollfd p{fd, static_cast<short>(direction == kRead ? POLLIN : POLLOUT), 0};
  return ::poll(&p, 1, 0) == 1 && p.revents != 0;  // POLLERR/POLLHUP count: hiredis sees the error
}

void arm(const WatcherPtr& w, int direction);

void on_ready(const WatcherPtr& w, int direction, const boost::system::error_code& ec) {
  w->armed[direction] = false;
  if (ec == boost::asio::error::operation_aborted || !w->ac || !w->want[direction]) return;
  // May free the context (a lost connection): cleanup() then clears w->ac.
  if (direction == kRead) {
    redisAsyncHandleRead(w->ac);
  } else {
    redisAsyncHandleWrite(w->ac);
  }
  arm(w, direction);
}

void arm(const WatcherPtr& w, int direction) {
  if (w->armed[direction] || !w->want[direction] || !w->ac) return;
  w->armed[direction] = true;
  if (ready_now(w->socket.native_handle(), direction)) {
    boost::asio::post(w->executor, [w, direction] { on_ready(w, direction, {}); });
    return;
  }
  w->socket.async_wait(direction == kRead ? stream_descriptor::wait_read : stream_descriptor::wait_write,
                       [w, direction](const boost::system::error_code& ec) { on_ready(w, direction, ec); });
}

// hiredis' hooks get ev.data: a heap copy of the owning pointer, deleted by cleanup.
Watcher& of(void* data) { return **static_cast<WatcherPtr*>(data); }

void add(void* data, int direction) {
  WatcherPtr w = *static_cast<WatcherPtr*>(data);
  w->want[direction] = true;
  arm(w, direction);
}
void add_read(void* data) { add(data, kRead); }
void add_write(void* data) { add(data, kWrite); }
// A wait already armed stays; its completion sees want == false and does nothing.
void del_read(void* data) { of(data).want[kRead] = false; }
void del_write(void* data) { of(data).want[kWrite] = false; }

void cleanup(void* data) {
  auto* holder = static_cast<WatcherPtr*>(data);
  WatcherPtr w = *holder;
  delete holder;
  w->ac = nullptr;
  w->want[kRead] = w->want[kWrite] = false;
  boost::system::error_code ignored;
  w->socket.cancel(ignored);
  w->socket.release();  // hiredis closes the descriptor
}

}  // namespace

std::error_code attach_to_asio(redisAsyncContext* ac, const boost::asio::any_io_executor& executor) {
  if (!ac || ac->err || ac->c.fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  if (ac->ev.data) return std::make_error_code(std::errc::device_or_resource_busy);
  auto w = std::make_shared<Watcher>(executor);
  boost::system::error_code ec;
  w->socket.assign(ac->c.fd, ec);  // no throwing constructor: errors are values here
  if (ec) return std::error_code(ec.value(), std::system_category());
  w->ac = ac;
  ac->ev.data = new WatcherPtr(std::move(w));
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
  return {};
}

}  // namespace scansync::fanout
