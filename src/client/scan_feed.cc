#include "scansync/client/scan_feed.h"

#include <charconv>
#include <optional>

#include "json_object.h"
#include "scansync/proto/json_text.h"

namespace scansync::client {
namespace {

std::optional<std::int64_t> integer_member(std::string_view object, std::string_view key) {
  const auto text = json_object::find(object, key);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

}  // namespace

ScanFeed::ScanFeed(Emit emit, ChangeHandler on_change, ScanFeedOptions options)
    : emit_(std::move(emit)),
      on_change_(std::move(on_change)),
      page_limit_(options.page_limit > 0 ? options.page_limit : 500),
      last_seq_(options.last_seq) {}

void ScanFeed::catch_up() {
  ++session_;
  syncing_ = true;
  request();
}

void ScanFeed::live(std::string_view event, std::string_view data) {
  ScanChange::Op op;
  if (event == "scan:created") {
    op = ScanChange::Op::created;
  } else if (event == "scan:deleted") {
    op = ScanChange::Op::deleted;
  } else {
    return;
  }
  if (syncing_) {
    held_.emplace_back(op, std::string(data));
    return;
  }
  // seq is gapless per user: a jump means changes went by unseen (a dropped
  // connection the server did not replay). Fetch them before this one.
  const auto seq = integer_member(data, "seq");
  if (seq && *seq > last_seq_ + 1) {
    held_.emplace_back(op, std::string(data));
    return catch_up();
  }
  apply(op, data, seq);
}

void ScanFeed::request() {
  std::string args = "[{\"seq\":" + std::to_string(last_seq_) + ",\"limit\":" + std::to_string(page_limit_) + "}]";
  emit_("sync:since", std::move(args),
        [this, session = session_](std::error_code ec, const std::vector<std::string_view>& reply) {
          on_page(ec, reply, session);
        });
}

void ScanFeed::on_page(std::error_code ec, const std::vector<std::string_view>& reply, std::uint64_t session) {
  if (session != session_) return;
  // No answer (the connection went, or a server without sync:since): the
  // next connect catches up again; meanwhile live events flow.
  if (ec || reply.empty()) return finish();
  const std::string_view page = reply.front();
  if (json_object::find_bool(page, "ok") != true) {
    const std::string error = json_object::find_string(page, "error").value_or("malformed answer");
    if (error == "cursor_expired" && last_seq_ != 0) {
      last_seq_ = 0;
      held_.clear();  // everything is refetched, these included
      if (on_reset_) on_reset_();
      return request();
    }
    if (on_error_) on_error_("sync_failed", "sync:since answered " + error);
    return finish();
  }
  const auto changes = json_object::find(page, "changes");
  auto items = changes ? json::split_array(*changes) : Result<std::vector<std::string_view>>(std::vector<std::string_view>{});
  if (!items) {
    if (on_error_) on_error_("sync_failed", "sync:since answered changes that are not an array");
    return finish();
  }
  for (const std::string_view change : *items) {
    const auto op = json_object::find_string(change, "op");
    if (op == "created") {
      if (const auto scan = json_object::find(change, "scan")) apply(ScanChange::Op::created, *scan);
    } else if (op == "deleted") {
      apply(ScanChange::Op::deleted, change);  // the tombstone fields sit beside "op"
    }
  }
  if (json_object::find_bool(page, "hasMore") == true && !items->empty()) return request();
  finish();
}

void ScanFeed::apply(ScanChange::Op op, std::string_view data) { apply(op, data, integer_member(data, "seq")); }

void ScanFeed::apply(ScanChange::Op op, std::string_view data, std::optional<std::int64_t> seq) {
  auto id = json_object::find_string(data, "id");
  if (!seq || !id) return;  // not a change of the contract's shape
  if (*seq <= last_seq_) {
    ++duplicates_;
    return;
  }
  last_seq_ = *seq;
  ScanChange change{op, *seq, std::move(*id), std::string(data)};
  if (op == ScanChange::Op::deleted) {
    // A page's tombstone carries "op"; hand out the event's shape either way.
    const auto user = json_object::find_string(data, "userId").value_or("");
    const auto at = json_object::find_string(data, "deletedAt").value_or("");
    change.json = "{\"id\":" + json::quote(change.id) + ",\"userId\":" + json::quote(user) +
                  ",\"seq\":" + std::to_string(*seq) + ",\"deletedAt\":" + json::quote(at) + "}";
  }
  if (on_change_) on_change_(change);
}

void ScanFeed::finish() {
  syncing_ = false;
  auto held = std::move(held_);
  held_.clear();
  for (const auto& [op, data] : held) apply(op, data);
}

}  // namespace scansync::client
