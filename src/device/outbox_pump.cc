#include "device/outbox_pump.h"

#include <algorithm>

#include "client/json_object.h"

namespace scansync::device {
namespace {

namespace jo = scansync::client::json_object;

}  // namespace

OutboxPump::OutboxPump(DeviceStore& store, Emit emit, NowFn now, Options options)
    : store_(store), emit_(std::move(emit)), now_(std::move(now)), options_(options) {
  if (options_.max_in_flight == 0) options_.max_in_flight = 1;
}

void OutboxPump::connected() {
  connected_ = true;
  ++generation_;
  in_flight_.clear();
  paused_until_.reset();
  pump();
}

void OutboxPump::disconnected() {
  connected_ = false;
  ++generation_;
  in_flight_.clear();
}

void OutboxPump::on_timer() {
  if (paused_until_ && now_() < *paused_until_) return;
  paused_until_.reset();
  pump();
}

void OutboxPump::pump() {
  if (!connected_ || paused_until_) return;
  if (in_flight_.size() >= options_.max_in_flight) return;
  // Items in flight are the oldest ones (sent in order), so the window's
  // worth past them is enough.
  auto items = store_.outbox(options_.max_in_flight + in_flight_.size());
  if (!items) return report("store_failed", "", items.error().message());
  for (const auto& item : *items) {
    if (in_flight_.size() >= options_.max_in_flight) break;
    if (in_flight_.count(item.position)) continue;
    send(item);
  }
}

void OutboxPump::send(const OutboxItem& item) {
  in_flight_.insert(item.position);
  const char* event = item.kind == OutboxItem::Kind::create ? "scan:create" : "scan:delete";
  emit_(event, "[" + item.payload + "]",
        [this, generation = generation_, item](std::error_code ec, const std::vector<std::string_view>& args) {
          on_ack(generation, item, ec, args);
        });
}

void OutboxPump::on_ack(std::uint64_t generation, const OutboxItem& item, std::error_code ec,
                        const std::vector<std::string_view>& args) {
  const bool current = generation == generation_;
  if (current) in_flight_.erase(item.position);
  bool settled = false;
  if (ec == client::errc::too_large) {
    // It would close the connection at every attempt.
    report("too_large", item.id, "the item is larger than the server accepts; dropped");
    settled = settle(item, R"({"ok":false,"error":"invalid"})");
  } else if (ec) {
    // Lost with its connection: the next connect sends it again. Otherwise
    // (no answer in time, dropped from a queue) wait before sending again.
    if (ec != client::errc::connection_lost && ec != client::errc::closed && current) {
      report("ack_failed", item.id, ec.message());
      back_off();
    }
    return;
  } else {
    settled = settle(item, args.empty() ? std::string_view("{}") : args.front());
  }
  if (settled) {
    failures_ = 0;
    if (on_change_) on_change_();
  } else if (current) {
    back_off();
  }
  pump();
}

bool OutboxPump::settle(const OutboxItem& item, std::string_view reply) {
  const bool create = item.kind == OutboxItem::Kind::create;
  std::error_code stored;
  if (jo::find_bool(reply, "ok") == true) {
    if (create) {
      const auto scan_text = jo::find(reply, "scan");
      auto scan = scan_text ? decode_scan(*scan_text) : Result<Scan>(make_error_code(errc::bad_scan));
      if (!scan) {
        report("bad_ack", item.id, "scan:create answered without a valid scan");
        return false;
      }
      stored = store_.ack_create(*scan);
    } else {
      stored = store_.ack_remove(item.id, jo::find_int(reply, "seq").value_or(0));
    }
  } else {
    const std::string error = jo::find_string(reply, "error").value_or("malformed answer");
    const std::string detail = jo::find_string(reply, "detail").value_or("");
    if (!create && error == "not_found") {
      stored = store_.ack_remove(item.id);
    } else if (error == "invalid") {
      // It can never succeed: drop it, and tell.
      report("invalid", item.id, detail.empty() ? std::string(create ? "scan:create" : "scan:delete") + " refused as invalid" : detail);
      stored = create ? store_.delete_local(item.id) : store_.ack_remove(item.id);
      if (stored == errc::not_found) stored = {};
    } else {
      report(error, item.id, detail.empty() ? "the server answered " + error : detail);
      return false;
    }
  }
  if (stored) {
    report("store_failed", item.id, stored.message());
    return false;
  }
  return true;
}

void OutboxPump::back_off() {
  // Items failing together (one overloaded server) count as one failure.
  if (paused_until_) return;
  ++failures_;
  auto delay = options_.initial_backoff;
  for (int i = 1; i < failures_ && delay < options_.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, options_.max_backoff);
  const auto until = now_() + delay;
  paused_until_ = until;
  if (on_pause_) on_pause_();
}

void OutboxPump::report(std::string_view code, std::string_view id, std::string_view message) {
  if (on_error_) on_error_(code, id, message);
}

}  // namespace scansync::device
