#include "postgres/pg_schema.h"

#include <iterator>

namespace scansync::postgres {
namespace {

// Version 1: the SQLite store's tables (store/schema.cc), in PostgreSQL.
// users: one row per user, the lock that serializes that user's writes on
//   every node. last_seq: the highest seq handed out (creates and deletes);
//   oldest_kept_seq: the smallest sync cursor still answerable; tombstones,
//   live_scans: counts kept by every write (pruning, quota).
// scans: change_seq = COALESCE(deleted_seq, seq), the row's one place in the
//   user's feed. Key (user_id, id): ids are per user.
// meta('epoch'): 128 random bits in hex, chosen once here.
// scansync_create / scansync_delete: one write each, run as one statement
//   so that a batch is one pipeline (no answer is needed between the steps
//   of a write). Both lock the user's row first; everything after that sees
//   the user's latest committed state (READ COMMITTED takes a snapshot per
//   statement), so two nodes never hand out one seq twice nor store one id
//   twice. A refusal (existing, quota, not_found) changes nothing and takes
//   no seq. The outputs are the row as the caller reports it.
constexpr const char* kV1[] = {
    R"sql(CREATE TABLE meta(
  key   text PRIMARY KEY,
  value text NOT NULL))sql",
    R"sql(INSERT INTO meta(key, value) VALUES ('epoch', replace(gen_random_uuid()::text, '-', '')))sql",
    R"sql(CREATE TABLE users(
  user_id         text PRIMARY KEY,
  last_seq        bigint NOT NULL DEFAULT 0,
  oldest_kept_seq bigint NOT NULL DEFAULT 0,
  tombstones      bigint NOT NULL DEFAULT 0,
  live_scans      bigint NOT NULL DEFAULT 0))sql",
    R"sql(CREATE TABLE scans(
  user_id     text NOT NULL,
  id          text NOT NULL,
  code        text NOT NULL,
  format      text NOT NULL,
  device_id   text NOT NULL,
  created_at  text NOT NULL,
  seq         bigint NOT NULL,
  deleted_seq bigint,
  deleted_at  bigint,
  change_seq  bigint NOT NULL,
  PRIMARY KEY (user_id, id)))sql",
    "CREATE UNIQUE INDEX scans_feed ON scans(user_id, change_seq)",
    "CREATE INDEX scans_tombstones ON scans(user_id, deleted_seq) WHERE deleted_seq IS NOT NULL",
    R"sql(CREATE FUNCTION scansync_create(
  p_user text, p_id text, p_code text, p_format text, p_device text, p_created text, p_max_live bigint,
  OUT r_outcome text, OUT r_seq bigint, OUT r_deleted_seq bigint, OUT r_deleted_at bigint,
  OUT r_code text, OUT r_format text, OUT r_device text, OUT r_created text)
LANGUAGE plpgsql AS $$
DECLARE
  v_live bigint;
BEGIN
  INSERT INTO users(user_id) VALUES (p_user) ON CONFLICT (user_id) DO NOTHING;
  SELECT live_scans INTO v_live FROM users WHERE user_id = p_user FOR UPDATE;
  SELECT 'existing', seq, deleted_seq, deleted_at, code, format, device_id, created_at
    INTO r_outcome, r_seq, r_deleted_seq, r_deleted_at, r_code, r_format, r_device, r_created
    FROM scans WHERE user_id = p_user AND id = p_id;
  IF FOUND THEN
    RETURN;
  END IF;
  IF p_max_live > 0 AND v_live >= p_max_live THEN
    r_outcome := 'quota_exceeded';
    RETURN;
  END IF;
  UPDATE users SET last_seq = last_seq + 1, live_scans = live_scans + 1
    WHERE user_id = p_user RETURNING last_seq INTO r_seq;
  INSERT INTO scans(user_id, id, code, format, device_id, created_at, seq, change_seq)
    VALUES (p_user, p_id, p_code, p_format, p_device, p_created, r_seq, r_seq);
  r_outcome := 'created';
  r_code := p_code;
  r_format := p_format;
  r_device := p_device;
  r_created := p_created;
END
$$)sql",
    // Pruning as the SQLite store does: past p_tombstone_limit, the oldest
    // tombstones go and oldest_kept_seq moves to the newest deletion pruned.
    R"sql(CREATE FUNCTION scansync_delete(
  p_user text, p_id text, p_now bigint, p_tombstone_limit bigint,
  OUT r_outcome text, OUT r_seq bigint, OUT r_deleted_seq bigint, OUT r_deleted_at bigint,
  OUT r_code text, OUT r_format text, OUT r_device text, OUT r_created text)
LANGUAGE plpgsql AS $$
DECLARE
  v_tombstones bigint;
  v_excess bigint;
  v_boundary bigint;
BEGIN
  PERFORM 1 FROM users WHERE user_id = p_user FOR UPDATE;
  IF NOT FOUND THEN
    r_outcome := 'not_found';
    RETURN;
  END IF;
  SELECT seq, deleted_seq, deleted_at, code, format, device_id, created_at
    INTO r_seq, r_deleted_seq, r_deleted_at, r_code, r_format, r_device, r_created
    FROM scans WHERE user_id = p_user AND id = p_id;
  IF NOT FOUND THEN
    r_outcome := 'not_found';
    RETURN;
  END IF;
  IF r_deleted_seq IS NOT NULL THEN
    r_outcome := 'already_deleted';
    RETURN;
  END IF;
  UPDATE users SET last_seq = last_seq + 1, tombstones = tombstones + 1, live_scans = live_scans - 1
    WHERE user_id = p_user RETURNING last_seq, tombstones INTO r_deleted_seq, v_tombstones;
  r_deleted_at := p_now;
  UPDATE scans SET deleted_seq = r_deleted_seq, deleted_at = p_now, change_seq = r_deleted_seq
    WHERE user_id = p_user AND id = p_id;
  IF v_tombstones > p_tombstone_limit THEN
    v_excess := v_tombstones - p_tombstone_limit;
    SELECT max(deleted_seq) INTO v_boundary FROM (
      SELECT deleted_seq FROM scans WHERE user_id = p_user AND deleted_seq IS NOT NULL
      ORDER BY deleted_seq LIMIT v_excess) oldest;
    DELETE FROM scans WHERE user_id = p_user AND deleted_seq IS NOT NULL AND deleted_seq <= v_boundary;
    UPDATE users SET tombstones = tombstones - v_excess, oldest_kept_seq = v_boundary WHERE user_id = p_user;
  END IF;
  r_outcome := 'deleted';
END
$$)sql",
};

struct Step {
  const char* const* begin;
  std::size_t size;
};
// Step i takes a database at version i to i + 1. A new version is one more
// entry (and kSchemaVersion).
constexpr Step kMigrations[] = {{kV1, std::size(kV1)}};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

std::span<const char* const> migration_to(int to) {
  if (to < 1 || to > kSchemaVersion) return {};
  const Step& s = kMigrations[to - 1];
  return {s.begin, s.size};
}

std::string schema_too_new_detail(std::int64_t found) {
  return "the database's schema is version " + std::to_string(found) + ", newer than this scansync's (" +
         std::to_string(kSchemaVersion) + "): upgrade scansync, or point it at another database";
}

}  // namespace scansync::postgres
