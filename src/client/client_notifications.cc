// Deferred delivery. Inputs only record what the user must hear; settle()
// delivers it once the outermost input has brought the state to rest, so a
// handler that calls back into the core (emit, disconnect, off, connect)
// always sees consistent state, and its own effects are queued behind the
// notifications already recorded.
#include <algorithm>
#include <functional>
#include <type_traits>
#include <utility>

#include "core_impl.h"

namespace scansync::client {

void ClientCore::Impl::set_status(const StatusInfo& next) {
  if (next == status) return;
  status = next;
  notes.push(StatusNote{next});
}

void ClientCore::Impl::notify_event(std::string_view name, const std::vector<std::string_view>& args,
                                    std::optional<std::uint64_t> reply_ack_id) {
  EventNote& note = notes.emplace<EventNote>();
  note.texts.assign(name, args, lent(name, args));
  note.reply_ack_id = reply_ack_id;
  note.session = session;
}

bool ClientCore::Impl::lent(std::string_view name, const std::vector<std::string_view>& args) const {
  // std::less_equal: a total order even for pointers into different objects.
  const std::less_equal<const char*> le;
  const char* const begin = lent_frame.data();
  const char* const end = begin + lent_frame.size();
  auto inside = [&](std::string_view text) {
    return text.empty() || (le(begin, text.data()) && le(text.data() + text.size(), end));  // empty: nothing to keep alive
  };
  if (!inside(name)) return false;
  for (auto a : args) {
    if (!inside(a)) return false;
  }
  return true;
}

void ClientCore::Impl::own_borrowed_notes() {
  notes.for_each([](Notification& n) {
    if (auto* e = std::get_if<EventNote>(&n)) e->texts.own();
    if (auto* a = std::get_if<AckNote>(&n)) a->texts.own();
  });
}

void ClientCore::Impl::notify_error(std::string_view code, std::string_view message,
                                    std::string_view extra_members) {
  const std::string body = error_json(code, message, extra_members);
  notify_event("error", {body});
}

void ClientCore::Impl::notify_ack(AckHandler handler, std::error_code ec, const std::vector<std::string_view>& args) {
  if (!handler) return;
  AckNote& note = notes.emplace<AckNote>();
  note.handler = std::move(handler);
  note.ec = ec;
  note.texts.assign({}, args, lent({}, args));
}

void ClientCore::Impl::fail_all_acks(std::error_code ec) {
  for (auto& handler : acks.take_all()) notify_ack(std::move(handler), ec);
}

void ClientCore::Impl::drop_stale_notifications() {
  notes.keep_if([](const Notification& n) { return std::holds_alternative<AckNote>(n); });
}

void ClientCore::Impl::settle() {
  // Handlers may append notifications (through re-entrant calls); the loop
  // drains them too. A throwing handler leaves the rest for the next input.
  while (!notes.empty()) {
    Notification n = notes.pop();
    DepthGuard guard(depth);
    deliver(n);
  }
  sync_timer();
}

void ClientCore::Impl::deliver(Notification& n) {
  if (auto* s = std::get_if<StatusNote>(&n)) {
    dispatcher.dispatch(s->info);
  } else if (auto* e = std::get_if<EventNote>(&n)) {
    e->texts.args_into(delivery_args);
    dispatcher.dispatch(Event{e->texts.name(), delivery_args});
    // The server asked for an ack: answered after delivery, empty, and only
    // if the connection it came on is still up (handlers cannot answer
    // themselves in this API; see client_core.h).
    if (e->reply_ack_id && e->session == session && phase == Phase::connected && transport_live) {
      send_socket(sio::PacketType::ack, e->reply_ack_id, "[]");
    }
  } else if (auto* a = std::get_if<AckNote>(&n)) {
    a->texts.args_into(delivery_args);
    a->handler(a->ec, delivery_args);
  }
}

void ClientCore::Impl::sync_timer() {
  timers.set(kHeartbeatTimer, heartbeat.deadline());
  timers.set(kAckTimer, acks.earliest_deadline());
  if (auto action = timers.reconcile()) actions.push_back(std::move(*action));
}

}  // namespace scansync::client
