// DeviceStore: opening, statements, settings and the read side.
#include "scansync/device/device_store.h"

#include <random>
#include <string>

#include "device/device_store_impl.h"
#include "device/schema.h"

namespace scansync::device {

using detail::Statement;
using detail::StatementUse;
using detail::Transaction;

namespace {

constexpr const char* kScanColumns = "id, code, format, device_id, created_at, seq, synced";

std::string random_uuid_v4() {
  std::random_device rd;  // /dev/urandom on Linux: device ids must not collide across phones
  unsigned char b[16];
  for (int i = 0; i < 16; i += 4) {
    const auto v = rd();
    for (int k = 0; k < 4; ++k) b[i + k] = static_cast<unsigned char>(v >> (8 * k));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[b[i] >> 4]);
    s.push_back(kHex[b[i] & 0x0F]);
  }
  return s;
}

}  // namespace

std::error_code DeviceStore::Impl::prepare_statements() {
  const std::string list_scans = std::string("SELECT ") + kScanColumns +
                                 " FROM scans WHERE uid=?1 ORDER BY created_at DESC, id DESC LIMIT ?2";
  const std::string get_scan = std::string("SELECT ") + kScanColumns + " FROM scans WHERE uid=?1 AND id=?2";
  const struct {
    Statement* statement;
    std::string_view sql;
  } all[] = {
      {&st.find_user, "SELECT uid FROM users WHERE name=?1"},
      {&st.add_user, "INSERT INTO users(name) VALUES(?1)"},
      {&st.get_setting, "SELECT value FROM settings WHERE uid=?1 AND key=?2"},
      {&st.put_setting,
       "INSERT INTO settings(uid, key, value) VALUES(?1, ?2, ?3) "
       "ON CONFLICT(uid, key) DO UPDATE SET value=excluded.value"},
      {&st.add_setting, "INSERT INTO settings(uid, key, value) VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING"},
      {&st.get_scan, get_scan},
      {&st.insert_local,
       "INSERT INTO scans(uid, id, code, format, device_id, created_at, seq, synced) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, 0)"},
      // A new id (the catch-up's usual case); nothing when the id is there
      // (then update_server). Tombstones are checked before, and only when
      // the user has any: a NOT EXISTS here costs a lookup per row.
      {&st.insert_server,
       "INSERT INTO scans(uid, id, code, format, device_id, created_at, seq, synced) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 1) ON CONFLICT(uid, id) DO NOTHING"},
      // The server's copy wins; an exact duplicate (synced, same seq) writes nothing.
      {&st.update_server,
       "UPDATE scans SET code=?3, format=?4, device_id=?5, created_at=?6, seq=?7, synced=1 "
       "WHERE uid=?1 AND id=?2 AND (synced=0 OR seq<>?7)"},
      {&st.delete_scan, "DELETE FROM scans WHERE uid=?1 AND id=?2"},
      {&st.list_scans, list_scans},
      {&st.count_scans, "SELECT count(*) FROM scans WHERE uid=?1"},
      {&st.get_tombstone, "SELECT seq FROM tombstones WHERE uid=?1 AND id=?2"},
      {&st.put_tombstone,
       "INSERT INTO tombstones(uid, id, seq, deleted_at) VALUES(?1, ?2, ?3, ?4) "
       "ON CONFLICT(uid, id) DO UPDATE SET seq=excluded.seq, deleted_at=excluded.deleted_at"},
      {&st.confirm_tombstone, "UPDATE tombstones SET seq=?3 WHERE uid=?1 AND id=?2 AND seq=0"},
      {&st.any_tombstone, "SELECT EXISTS(SELECT 1 FROM tombstones WHERE uid=?1)"},
      {&st.clear_server_tombstones, "DELETE FROM tombstones WHERE uid=?1 AND seq>0"},
      {&st.enqueue,
       "INSERT INTO outbox(uid, kind, id, payload) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(uid, id, kind) DO NOTHING"},
      {&st.dequeue, "DELETE FROM outbox WHERE uid=?1 AND id=?2 AND kind=?3"},
      {&st.dequeue_id, "DELETE FROM outbox WHERE uid=?1 AND id=?2"},
      {&st.has_item, "SELECT EXISTS(SELECT 1 FROM outbox WHERE uid=?1 AND id=?2 AND kind=?3)"},
      {&st.list_outbox, "SELECT position, kind, id, payload FROM outbox WHERE uid=?1 ORDER BY position LIMIT ?2"},
      {&st.count_outbox, "SELECT count(*) FROM outbox WHERE uid=?1"},
      {&st.any_outbox, "SELECT EXISTS(SELECT 1 FROM outbox WHERE uid=?1)"},
      {&st.get_cursor, "SELECT last_seq, epoch FROM sync_cursor WHERE uid=?1"},
      {&st.put_cursor,
       "INSERT INTO sync_cursor(uid, last_seq, epoch) VALUES(?1, ?2, ?3) "
       "ON CONFLICT(uid) DO UPDATE SET last_seq=excluded.last_seq, epoch=excluded.epoch"},
      {&st.drop_foreign,
       "DELETE FROM scans WHERE uid=?1 AND device_id<>?2 "
       "AND id NOT IN (SELECT id FROM outbox WHERE uid=?1 AND kind=0)"},
      {&st.list_requeue,
       "SELECT id, code, format, device_id, created_at FROM scans WHERE uid=?1 "
       "AND id NOT IN (SELECT id FROM outbox WHERE uid=?1 AND kind=0) ORDER BY created_at, id"},
      {&st.mark_unsynced, "UPDATE scans SET seq=0, synced=0 WHERE uid=?1 AND (seq<>0 OR synced<>0)"},
      {&st.data_version, "PRAGMA data_version"},
  };
  for (const auto& s : all) {
    auto prepared = db.prepare(s.sql);
    if (!prepared.ok()) return prepared.error();
    *s.statement = std::move(*prepared);
  }
  return {};
}

std::error_code DeviceStore::Impl::bind_user() {
  Transaction tx(db);
  if (tx.begin_error()) return tx.begin_error();
  {
    StatementUse find(st.find_user);
    find->bind_ref(1, user);
    if (find->step()) {
      uid = find->column_int(0);
      return {};  // nothing written: the transaction rolls back
    }
    if (find->error()) return find->error();
  }
  StatementUse add(st.add_user);
  add->bind_ref(1, user);
  if (auto ec = add->run(); ec) return ec;
  uid = sqlite3_last_insert_rowid(db.handle());
  return tx.commit();
}

Result<std::unique_ptr<DeviceStore>> DeviceStore::open(const std::filesystem::path& file, std::string user,
                                                       DeviceStoreOptions options) {
  if (auto ec = detail::check_file_header(file); ec) return ec;
  auto db = detail::open_database(file.string(), options.busy_timeout_ms);
  if (!db.ok()) return db.error();
  auto impl = std::make_unique<Impl>(std::move(*db));
  impl->user = std::move(user);
  impl->view = detail::ScanView(impl->user);
  impl->options = options;
  detail::SchemaOptions schema;
  schema.synchronous_full = options.durability == DeviceStoreOptions::Durability::full;
  schema.verify = options.verify_on_open;
  if (auto ec = detail::prepare_schema(impl->db, schema); ec) return ec;
  // Per connection, not stored in the file.
  const std::string cache = "PRAGMA cache_size=-" + std::to_string(options.cache_kib > 0 ? options.cache_kib : 2048);
  if (auto ec = impl->db.exec(cache.c_str()); ec) return ec;
  if (options.wal_autocheckpoint_pages > 0) {
    const std::string pages = "PRAGMA wal_autocheckpoint=" + std::to_string(options.wal_autocheckpoint_pages);
    if (auto ec = impl->db.exec(pages.c_str()); ec) return ec;
  }
  if (options.wal_size_limit_bytes >= 0) {
    const std::string limit = "PRAGMA journal_size_limit=" + std::to_string(options.wal_size_limit_bytes);
    if (auto ec = impl->db.exec(limit.c_str()); ec) return ec;
  }
  if (options.max_page_count > 0) {
    const std::string cap = "PRAGMA max_page_count=" + std::to_string(options.max_page_count);
    if (auto ec = impl->db.exec(cap.c_str()); ec) return ec;
  }
  if (auto ec = impl->prepare_statements(); ec) return ec;
  if (auto ec = impl->bind_user(); ec) return ec;
  return std::unique_ptr<DeviceStore>(new DeviceStore(std::move(impl)));
}

DeviceStore::DeviceStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeviceStore::~DeviceStore() = default;

const std::string& DeviceStore::user() const { return impl_->user; }

Result<std::optional<std::string>> DeviceStore::setting(std::string_view key) {
  StatementUse get(impl_->st.get_setting);
  get->bind(1, impl_->uid).bind_ref(2, key);
  if (get->step()) return std::optional<std::string>(get->column_text(0));
  if (get->error()) return get->error();
  return std::optional<std::string>();
}

std::error_code DeviceStore::set_setting(std::string_view key, std::string_view value) {
  StatementUse put(impl_->st.put_setting);
  put->bind(1, impl_->uid).bind_ref(2, key).bind_ref(3, value);
  return put->run();
}

Result<std::string> DeviceStore::device_id() {
  if (!impl_->device_id.empty()) return impl_->device_id;
  static constexpr std::string_view kKey = "device_id";
  {
    // ON CONFLICT DO NOTHING, then read back: two stores opening the same
    // file at once agree on one id.
    const std::string made = random_uuid_v4();
    StatementUse add(impl_->st.add_setting);
    add->bind(1, impl_->uid).bind_ref(2, kKey).bind_ref(3, made);
    if (auto ec = add->run(); ec) return ec;
  }
  auto stored = setting(kKey);
  if (!stored.ok()) return stored.error();
  if (!stored->has_value() || (*stored)->empty()) return errc::sql_error;
  impl_->device_id = **stored;
  return impl_->device_id;
}

Result<Cursor> DeviceStore::cursor() {
  StatementUse get(impl_->st.get_cursor);
  get->bind(1, impl_->uid);
  if (get->step()) return Cursor{get->column_int(0), get->column_text(1)};
  if (get->error()) return get->error();
  return Cursor{};
}

Result<std::vector<Scan>> DeviceStore::scans(std::size_t limit) {
  auto count = scan_count();  // the rows are kept only while the count is known
  if (!count.ok()) return count.error();
  if (const auto* kept = impl_->view.rows(limit)) return *kept;
  StatementUse list(impl_->st.list_scans);
  list->bind(1, impl_->uid).bind(2, static_cast<std::int64_t>(limit));
  std::vector<Scan> out;
  while (list->step()) out.push_back(impl_->row_scan(*list));
  if (list->error()) return list->error();
  impl_->view.set_rows(limit, out);
  return out;
}

Result<std::size_t> DeviceStore::scan_count() {
  if (auto ec = impl_->notice_other_writers(); ec) return ec;
  if (auto kept = impl_->view.count()) return *kept;
  auto n = impl_->count(impl_->st.count_scans);
  if (!n.ok()) return n.error();
  impl_->view.set_count(static_cast<std::size_t>(*n));
  return static_cast<std::size_t>(*n);
}

Result<std::optional<Scan>> DeviceStore::scan(std::string_view id) { return impl_->find_scan(id); }

std::error_code DeviceStore::checkpoint() {
  // TRUNCATE waits (busy_timeout_ms) for other connections' writers and
  // readers, then leaves an empty WAL file.
  const int rc = sqlite3_wal_checkpoint_v2(impl_->db.handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  return detail::to_error(rc);
}

Scan DeviceStore::Impl::row_scan(Statement& s) const {
  Scan scan;
  scan.id = s.column_text(0);
  scan.user_id = user;
  scan.code = s.column_text(1);
  scan.format = s.column_text(2);
  scan.device_id = s.column_text(3);
  scan.created_at = s.column_text(4);
  scan.seq = s.column_int(5);
  scan.synced = s.column_int(6) != 0;
  return scan;
}

Result<std::optional<Scan>> DeviceStore::Impl::find_scan(std::string_view id) {
  StatementUse get(st.get_scan);
  get->bind(1, uid).bind_ref(2, id);
  if (get->step()) return std::optional<Scan>(row_scan(*get));
  if (get->error()) return get->error();
  return std::optional<Scan>();
}

Result<std::int64_t> DeviceStore::Impl::count(Statement& statement) {
  StatementUse q(statement);
  q->bind(1, uid);
  if (q->step()) return q->column_int(0);
  return q->error() ? q->error() : std::error_code(errc::sql_error);
}

std::error_code DeviceStore::Impl::commit(Transaction& tx) {
  const auto ec = tx.commit();
  if (!ec) view.apply(written);
  written.clear();
  return ec;
}

std::error_code DeviceStore::Impl::notice_other_writers() {
  StatementUse q(st.data_version);
  if (!q->step()) return q->error() ? q->error() : std::error_code(errc::sql_error);
  const auto version = q->column_int(0);
  if (version != seen_data_version) view.forget();
  seen_data_version = version;
  return {};
}

std::error_code DeviceStore::Impl::put_cursor(std::int64_t last_seq, std::string_view epoch) {
  StatementUse put(st.put_cursor);
  put->bind(1, uid).bind(2, last_seq).bind_ref(3, epoch);
  return put->run();
}

}  // namespace scansync::device
