// DeviceStore: applying the server's changes, and history resets.
#include <string>
#include <vector>

#include "device/device_store_impl.h"
#include "device/scan_json.h"

namespace scansync::device {

using detail::StatementUse;
using detail::Transaction;

std::error_code DeviceStore::Impl::begin_batch(Batch& batch) {
  auto outbox = count(st.any_outbox);
  if (!outbox.ok()) return outbox.error();
  auto tombstones = count(st.any_tombstone);
  if (!tombstones.ok()) return tombstones.error();
  batch.outbox_any = *outbox != 0;
  batch.tombstones_any = *tombstones != 0;
  return {};
}

std::error_code DeviceStore::Impl::apply_created(const Scan& scan, Batch& batch) {
  // Defence in depth: the gateway never sends another user's scan, and one
  // must never show up under this user's rows.
  if (!scan.user_id.empty() && scan.user_id != user) return {};
  const auto bind_scan = [&](detail::Statement& s) {
    s.bind(1, uid)
        .bind_ref(2, scan.id)
        .bind_ref(3, scan.code)
        .bind_ref(4, scan.format)
        .bind_ref(5, scan.device_id)
        .bind_ref(6, scan.created_at)
        .bind(7, scan.seq);
  };
  if (batch.tombstones_any) {
    auto tomb = tombstone_seq(scan.id);
    if (!tomb.ok()) return tomb.error();
    if (tomb->has_value()) {
      // Deleted: a late or replayed create stays deleted. When the delete
      // was made here, is not confirmed and has no remove pending (the
      // create was cancelled while in flight, or the remove was acked
      // before the server's delete arrived), the server holds a scan the
      // user deleted: tell it again.
      if (**tomb != 0) return {};
      if (batch.outbox_any) {
        auto pending = has_item(scan.id, OutboxItem::Kind::remove);
        if (!pending.ok()) return pending.error();
        if (*pending) return {};
      }
      batch.outbox_any = true;
      return enqueue(OutboxItem::Kind::remove, scan.id, detail::remove_payload(scan.id));
    }
  }
  {
    // Insert and update apart (not one upsert), so that sqlite3_changes
    // tells a new row, which the count takes, from a rewritten one.
    StatementUse ins(st.insert_server);
    bind_scan(*ins);
    if (auto ec = ins->run(); ec) return ec;
  }
  if (sqlite3_changes(db.handle()) > 0) {
    written.push_back({detail::RowChange::Kind::inserted, &scan, true, {}});
  } else {
    // The id is there: the server's copy wins (nothing for an exact duplicate).
    StatementUse up(st.update_server);
    bind_scan(*up);
    if (auto ec = up->run(); ec) return ec;
    if (sqlite3_changes(db.handle()) > 0) written.push_back({detail::RowChange::Kind::updated, &scan, true, {}});
  }
  if (!batch.outbox_any) return {};
  // The server has it: a create still queued (this device's scan, seen
  // through the broadcast or a page before its ack) has nothing left to do.
  auto gone = dequeue(scan.id, OutboxItem::Kind::create);
  return gone.ok() ? std::error_code{} : gone.error();
}

std::error_code DeviceStore::Impl::apply_deleted(const Deletion& deletion, Batch& batch) {
  if (!deletion.user_id.empty() && deletion.user_id != user) return {};
  {
    StatementUse del(st.delete_scan);
    del->bind(1, uid).bind_ref(2, deletion.id);
    if (auto ec = del->run(); ec) return ec;
  }
  if (sqlite3_changes(db.handle()) > 0) written.push_back({detail::RowChange::Kind::removed, nullptr, false, deletion.id});
  if (auto ec = put_tombstone(deletion.id, deletion.seq, deletion.deleted_at); ec) return ec;
  batch.tombstones_any = true;
  if (!batch.outbox_any) return {};
  // The server's delete is final: a queued create or remove of the id would
  // only be answered with the deleted scan or "ok".
  StatementUse drop(st.dequeue_id);
  drop->bind(1, uid).bind_ref(2, deletion.id);
  return drop->run();
}

std::error_code DeviceStore::apply(const std::vector<ServerChange>& changes, const Cursor& cursor) {
  Transaction tx(impl_->db);
  if (tx.begin_error()) return tx.begin_error();
  impl_->written.clear();
  Impl::Batch batch;
  if (auto ec = impl_->begin_batch(batch); ec) return ec;
  for (const auto& change : changes) {
    const auto ec = change.op == ServerChange::Op::created ? impl_->apply_created(change.scan, batch)
                                                           : impl_->apply_deleted(change.deletion, batch);
    // Stop at the first failure: SQLite may have rolled the transaction back
    // already, and a later statement would then run (and commit) on its own.
    if (ec) return ec;
  }
  if (auto ec = impl_->put_cursor(cursor.last_seq, cursor.epoch); ec) return ec;
  return impl_->commit(tx);
}

std::error_code DeviceStore::reset_history(std::string_view new_epoch) {
  auto own = device_id();  // may write the setting once: before the transaction
  if (!own.ok()) return own.error();
  Transaction tx(impl_->db);
  if (tx.begin_error()) return tx.begin_error();
  {
    StatementUse drop(impl_->st.drop_foreign);
    drop->bind(1, impl_->uid).bind_ref(2, *own);
    if (auto ec = drop->run(); ec) return ec;
  }
  // Read first, then queue: inserting into outbox while a query that reads
  // it is still stepping would see its own inserts (or not) by plan.
  std::vector<Scan> requeue;
  {
    StatementUse list(impl_->st.list_requeue);
    list->bind(1, impl_->uid);
    while (list->step()) {
      Scan s;
      s.id = list->column_text(0);
      s.code = list->column_text(1);
      s.format = list->column_text(2);
      s.device_id = list->column_text(3);
      s.created_at = list->column_text(4);
      requeue.push_back(std::move(s));
    }
    if (list->error()) return list->error();
  }
  for (const auto& s : requeue) {
    if (auto ec = impl_->enqueue(OutboxItem::Kind::create, s.id, detail::create_payload(s)); ec) return ec;
  }
  {
    StatementUse unsynced(impl_->st.mark_unsynced);
    unsynced->bind(1, impl_->uid);
    if (auto ec = unsynced->run(); ec) return ec;
  }
  {
    StatementUse clear(impl_->st.clear_server_tombstones);
    clear->bind(1, impl_->uid);
    if (auto ec = clear->run(); ec) return ec;
  }
  if (auto ec = impl_->put_cursor(0, new_epoch); ec) return ec;
  // Rows dropped in bulk: the view and the count are read again.
  impl_->view.forget();
  return tx.commit();
}

}  // namespace scansync::device
