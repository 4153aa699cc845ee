// DeviceStore: what this device does (scans, deletes) and its durable outbox.
#include <string>

#include "device/device_store_impl.h"
#include "device/scan_json.h"

namespace scansync::device {

using detail::StatementUse;
using detail::Transaction;

namespace {

constexpr std::int64_t kind_value(OutboxItem::Kind kind) { return kind == OutboxItem::Kind::create ? 0 : 1; }

constexpr std::size_t kMaxCodeBytes = 4096;  // the contract's bound on code

}  // namespace

std::error_code DeviceStore::Impl::enqueue(OutboxItem::Kind kind, std::string_view id, std::string_view payload) {
  StatementUse add(st.enqueue);
  add->bind(1, uid).bind(2, kind_value(kind)).bind_ref(3, id).bind_ref(4, payload);
  return add->run();
}

Result<bool> DeviceStore::Impl::dequeue(std::string_view id, OutboxItem::Kind kind) {
  StatementUse del(st.dequeue);
  del->bind(1, uid).bind_ref(2, id).bind(3, kind_value(kind));
  if (auto ec = del->run(); ec) return ec;
  return sqlite3_changes(db.handle()) > 0;
}

Result<bool> DeviceStore::Impl::has_item(std::string_view id, OutboxItem::Kind kind) {
  StatementUse q(st.has_item);
  q->bind(1, uid).bind_ref(2, id).bind(3, kind_value(kind));
  if (q->step()) return q->column_int(0) != 0;
  return q->error() ? q->error() : std::error_code(errc::sql_error);
}

Result<std::optional<std::int64_t>> DeviceStore::Impl::tombstone_seq(std::string_view id) {
  StatementUse q(st.get_tombstone);
  q->bind(1, uid).bind_ref(2, id);
  if (q->step()) return std::optional<std::int64_t>(q->column_int(0));
  if (q->error()) return q->error();
  return std::optional<std::int64_t>();
}

std::error_code DeviceStore::Impl::put_tombstone(std::string_view id, std::int64_t seq, std::string_view deleted_at) {
  StatementUse put(st.put_tombstone);
  put->bind(1, uid).bind_ref(2, id).bind(3, seq).bind_ref(4, deleted_at);
  return put->run();
}

Result<Scan> DeviceStore::add_local_scan(const Scan& input) {
  Scan scan = input;
  if (scan.user_id.empty()) scan.user_id = impl_->user;
  if (scan.user_id != impl_->user) return errc::wrong_user;
  if (!detail::is_uuid_v4(scan.id) || scan.code.empty() || scan.code.size() > kMaxCodeBytes || scan.format.empty() ||
      scan.created_at.empty()) {
    return errc::bad_scan;
  }
  // Canonical lower case, so that one id typed in two cases is one scan.
  for (auto& c : scan.id) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  if (scan.device_id.empty()) {
    auto id = device_id();
    if (!id.ok()) return id.error();
    scan.device_id = *id;
  }
  scan.seq = 0;
  scan.synced = false;

  Transaction tx(impl_->db);
  if (tx.begin_error()) return tx.begin_error();
  impl_->written.clear();
  auto tomb = impl_->tombstone_seq(scan.id);
  if (!tomb.ok()) return tomb.error();
  if (tomb->has_value()) return errc::deleted;
  auto existing = impl_->find_scan(scan.id);
  if (!existing.ok()) return existing.error();
  if (existing->has_value()) return std::move(**existing);  // idempotent by id: nothing written
  {
    StatementUse ins(impl_->st.insert_local);
    ins->bind(1, impl_->uid)
        .bind_ref(2, scan.id)
        .bind_ref(3, scan.code)
        .bind_ref(4, scan.format)
        .bind_ref(5, scan.device_id)
        .bind_ref(6, scan.created_at);
    if (auto ec = ins->run(); ec) return ec;
  }
  impl_->written.push_back({detail::RowChange::Kind::inserted, &scan, false, {}});
  if (auto ec = impl_->enqueue(OutboxItem::Kind::create, scan.id, detail::create_payload(scan)); ec) return ec;
  if (auto ec = impl_->commit(tx); ec) return ec;
  return scan;
}

std::error_code DeviceStore::delete_local(std::string_view id) {
  Transaction tx(impl_->db);
  if (tx.begin_error()) return tx.begin_error();
  impl_->written.clear();
  auto existing = impl_->find_scan(id);
  if (!existing.ok()) return existing.error();
  if (!existing->has_value()) return errc::not_found;
  {
    StatementUse del(impl_->st.delete_scan);
    del->bind(1, impl_->uid).bind_ref(2, id);
    if (auto ec = del->run(); ec) return ec;
  }
  if (sqlite3_changes(impl_->db.handle()) > 0) {
    impl_->written.push_back({detail::RowChange::Kind::removed, nullptr, false, id});
  }
  // The tombstone (seq 0: the server has not confirmed) is kept even when
  // the create is cancelled: that create may be in flight, and its ack or
  // broadcast must then be answered with a remove, not shown again.
  if (auto ec = impl_->put_tombstone(id, 0, ""); ec) return ec;
  auto cancelled = impl_->dequeue(id, OutboxItem::Kind::create);
  if (!cancelled.ok()) return cancelled.error();
  if (!*cancelled) {
    if (auto ec = impl_->enqueue(OutboxItem::Kind::remove, id, detail::remove_payload(id)); ec) return ec;
  }
  return impl_->commit(tx);
}

Result<std::vector<OutboxItem>> DeviceStore::outbox(std::size_t limit) {
  StatementUse list(impl_->st.list_outbox);
  list->bind(1, impl_->uid).bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxItem> out;
  while (list->step()) {
    OutboxItem item;
    item.position = list->column_int(0);
    item.kind = list->column_int(1) == 0 ? OutboxItem::Kind::create : OutboxItem::Kind::remove;
    item.id = list->column_text(2);
    item.payload = list->column_text(3);
    out.push_back(std::move(item));
  }
  if (list->error()) return list->error();
  return out;
}

Result<std::size_t> DeviceStore::outbox_size() {
  auto n = impl_->count(impl_->st.count_outbox);
  if (!n.ok()) return n.error();
  return static_cast<std::size_t>(*n);
}

std::error_code DeviceStore::ack_create(const Scan& stored) {
  if (!stored.user_id.empty() && stored.user_id != impl_->user) return errc::wrong_user;
  if (stored.id.empty()) return errc::bad_scan;
  Transaction tx(impl_->db);
  if (tx.begin_error()) return tx.begin_error();
  impl_->written.clear();
  // The server's answer is a change like any other: the same rules (a
  // cancelled create becomes a remove), then the create item goes.
  Impl::Batch batch;
  if (auto ec = impl_->apply_created(stored, batch); ec) return ec;
  auto gone = impl_->dequeue(stored.id, OutboxItem::Kind::create);
  if (!gone.ok()) return gone.error();
  return impl_->commit(tx);
}

std::error_code DeviceStore::ack_remove(std::string_view id, std::int64_t seq) {
  Transaction tx(impl_->db);
  if (tx.begin_error()) return tx.begin_error();
  auto gone = impl_->dequeue(id, OutboxItem::Kind::remove);
  if (!gone.ok()) return gone.error();
  if (seq > 0) {
    StatementUse confirm(impl_->st.confirm_tombstone);
    confirm->bind(1, impl_->uid).bind_ref(2, id).bind(3, seq);
    if (auto ec = confirm->run(); ec) return ec;
  }
  return tx.commit();
}

}  // namespace scansync::device
