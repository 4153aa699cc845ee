// The executor's side of DeviceClient: the native client's events, the feed
// and the outbox pump wired to the store, and the observable stores.
#include <chrono>

#include "client/json_object.h"
#include "device/device_client_impl.h"
#include "device/new_scan.h"

namespace scansync::device {
namespace {

namespace sc = scansync::client;
namespace jo = scansync::client::json_object;

std::string now_text() { return detail::rfc3339_utc(std::chrono::system_clock::now()); }

// After a refused batch (the store failed): try the catch-up again this soon.
constexpr auto kResyncDelay = std::chrono::seconds(2);

}  // namespace

void DeviceClient::Impl::start() {
  const auto cursor = store->cursor();
  sc::ScanFeedOptions feed_options;
  if (cursor) {
    feed_options.last_seq = cursor->last_seq;
    feed_options.epoch = cursor->epoch;
  }
  feed_options.page_limit = options.page_limit;
  feed = std::make_unique<sc::ScanFeed>(
      [this](std::string_view event, std::string args, sc::AckHandler ack) {
        client->emit(std::string(event), std::move(args), std::move(ack));
      },
      sc::ScanFeed::BatchHandler([this](const std::vector<sc::ScanChange>& changes, std::int64_t last_seq,
                                        std::string_view epoch) { return apply_batch(changes, last_seq, epoch); }),
      feed_options);
  feed->on_reset([this](std::string_view epoch) { return reset_history(epoch); });
  feed->on_error([this](std::string_view code, std::string_view message) {
    report(code, message);
    // A catch-up that ended early (the store refused a batch; the server
    // answered an error or not in time) is tried again: while the connection
    // stays up nothing else would start one, and a history reset would go
    // unseen (found by scansync-sim, seed 41).
    if (code == "apply_failed" || code == "sync_failed") schedule_resync();
  });
  OutboxPump::Options pump_options;
  pump_options.max_in_flight = options.max_in_flight;
  pump = std::make_unique<OutboxPump>(
      *store,
      [this](std::string_view event, std::string args, sc::AckHandler ack) {
        client->emit(std::string(event), std::move(args), std::move(ack));
      },
      [] { return sc::Clock::now(); }, pump_options);
  pump->on_error([this](std::string_view code, std::string_view id, std::string_view message) {
    report(code, std::string(message) + (id.empty() ? "" : " (scan " + std::string(id) + ")"));
  });
  pump->on_change([this] {
    state.last_synced_at = now_text();
    outbox_changed();
  });
  // A refused answer pauses sending; without the timer the items would wait
  // for the next local scan or connection.
  pump->on_pause([this] { arm_retry(); });
  state.last_seq = feed->last_seq();
  publish_scans();
  publish_sync();
  if (auto ec = make_client()) report("bad_url", ec.message());
}

std::error_code DeviceClient::Impl::make_client() {
  if (client) {
    // Its acks will never come: nothing it carried counts as sent.
    client.reset();
    pump->disconnected();
    disarm_session_timers();
  }
  sc::NativeClientOptions o;
  o.url = url;
  o.tokens = options.tokens;
  o.core = options.core;
  o.tls = options.tls;
  o.transport = options.transport;
  auto made = sc::NativeClient::create(io, std::move(o));
  if (!made) return made.error();
  client = std::move(*made);
  client->on_status([this](const sc::StatusInfo& s) { on_status(s); });
  client->on("connect", [this](const sc::Event&) {
    feed->catch_up();
    pump->connected();  // its emits go out once room:join is acked
    arm_retry();
  });
  client->on("disconnect", [this](const sc::Event&) {
    pump->disconnected();
    disarm_session_timers();
  });
  client->on("error", [this](const sc::Event& e) { on_error_event(e.args.empty() ? "{}" : e.args.front()); });
  for (const char* name : {"scan:created", "scan:deleted"}) {
    client->on(name, [this](const sc::Event& e) {
      if (!e.args.empty()) feed->live(e.name, e.args.front());
    });
  }
  client->set_online(online);
  client->set_foreground(foreground && !flushing);
  client->connect();
  return {};
}

void DeviceClient::Impl::on_status(const sc::StatusInfo& s) {
  state.status = s.status;
  state.reason = s.reason;
  state.attempt = s.attempt;
  state.next_retry = s.next_delay;
  publish_sync();
}

void DeviceClient::Impl::on_error_event(std::string_view arg) {
  report(jo::find_string(arg, "code").value_or("error"), jo::find_string(arg, "message").value_or(""));
}

bool DeviceClient::Impl::apply_batch(const std::vector<sc::ScanChange>& changes, std::int64_t last_seq,
                                     std::string_view epoch) {
  std::vector<ServerChange> decoded;
  decoded.reserve(changes.size());
  for (const auto& c : changes) {
    const auto op = c.op == sc::ScanChange::Op::created ? ServerChange::Op::created : ServerChange::Op::deleted;
    auto change = decode_server_change(op, c.json);
    // A change that does not follow the contract can never be applied; the
    // cursor passes it rather than stopping on it for good.
    if (!change) {
      report("bad_change", "seq " + std::to_string(c.seq) + ": " + change.error().message());
      continue;
    }
    decoded.push_back(std::move(*change));
  }
  if (auto ec = store->apply(decoded, Cursor{last_seq, std::string(epoch)})) {
    report("store_failed", ec.message());
    return false;
  }
  state.last_seq = last_seq;
  if (!changes.empty()) state.last_synced_at = now_text();
  // A server delete can take an item out of the outbox, a late create can
  // queue a remove. outbox_changed() publishes the scans too: one
  // notification per applied batch.
  outbox_changed();
  return true;
}

bool DeviceClient::Impl::reset_history(std::string_view epoch) {
  if (auto ec = store->reset_history(epoch)) {
    report("store_failed", ec.message());
    return false;
  }
  state.last_seq = 0;
  outbox_changed();  // this device's scans are queued again; publishes the scans
  return true;
}

void DeviceClient::Impl::outbox_changed() {
  pump->pump();
  arm_retry();
  publish_scans();
  publish_sync();
  if (flushing && state.pending == 0) go_background();
}

void DeviceClient::Impl::arm_retry() {
  const auto at = pump->retry_at();
  // Disconnected, the pause waits for the next connect ("connect" arms it).
  if (!at || !pump->connected_now()) return;
  retry_due = *at;
  retry_timer.expires_at(*at);
  retry_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    retry_due.reset();
    pump->on_timer();
    arm_retry();
  });
}

void DeviceClient::Impl::schedule_resync() {
  resync_due = sc::Clock::now() + kResyncDelay;
  resync_timer.expires_at(*resync_due);
  resync_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    resync_due.reset();
    if (!client || client->status().status != sc::Status::connected) return;
    if (!feed->catching_up()) feed->catch_up();
  });
}

void DeviceClient::Impl::disarm_session_timers() {
  retry_due.reset();
  retry_timer.cancel();
  resync_due.reset();
  resync_timer.cancel();
}

std::optional<sc::TimePoint> DeviceClient::Impl::next_wakeup() const {
  std::optional<sc::TimePoint> earliest = client ? client->timer_deadline() : std::nullopt;
  for (const auto& due : {retry_due, grace_due, resync_due}) {
    if (due && (!earliest || *due < *earliest)) earliest = due;
  }
  return earliest;
}

void DeviceClient::Impl::begin_background() {
  foreground = false;
  const auto pending = store->outbox_size();
  const bool connected = client && client->status().status == sc::Status::connected;
  if (!connected || !pending || *pending == 0) return go_background();
  // Stay a little to send what the user made; go once it is sent, or at the
  // end of the grace period.
  flushing = true;
  state.flushing = true;
  publish_sync();
  grace_due = sc::Clock::now() + options.background_grace;
  grace_timer.expires_at(*grace_due);
  grace_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    grace_due.reset();
    if (flushing) go_background();
  });
}

void DeviceClient::Impl::go_background() {
  flushing = false;
  state.flushing = false;
  grace_due.reset();
  grace_timer.cancel();
  if (client) client->set_foreground(false);
  (void)store->checkpoint();  // busy is fine: the next one does it
  publish_sync();
}

void DeviceClient::Impl::end_background() {
  foreground = true;
  if (flushing) {
    // Never left: still connected and caught up.
    flushing = false;
    state.flushing = false;
    grace_due.reset();
    grace_timer.cancel();
    publish_sync();
    return;
  }
  if (client) client->set_foreground(true);  // reconnects; "connect" catches up
}

void DeviceClient::Impl::report(std::string_view code, std::string_view message) {
  state.last_error_code = std::string(code);
  state.last_error_message = std::string(message);
  publish_sync();
}

void DeviceClient::Impl::publish_scans() {
  // Both come from the store's view in memory (no query per call while only
  // this connection writes).
  auto rows = store->scans(options.view_limit);
  auto count = store->scan_count();
  if (!rows || !count) return report("store_failed", (rows ? count.error() : rows.error()).message());
  scans.publish(ScanList{std::move(*rows), *count});
}

void DeviceClient::Impl::publish_sync() {
  if (auto pending = store->outbox_size()) state.pending = *pending;
  sync.publish(state);
}

}  // namespace scansync::device
