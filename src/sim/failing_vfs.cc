#include "sim/failing_vfs.h"

#include <sqlite3.h>

#include <cstring>
#include <set>

namespace scansync::sim::vfs {
namespace {

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs shim_vfs;
std::set<std::string> full_files;
unsigned long long refused = 0;

struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;  // placed right after this struct, in the same allocation
  std::string* db;     // the database this file belongs to (companions stripped)
};

ShimFile* shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }

std::string db_of(const char* name) {
  std::string n = name ? name : "";
  for (const char* suffix : {"-wal", "-journal", "-shm"}) {
    const std::size_t len = std::strlen(suffix);
    if (n.size() > len && n.compare(n.size() - len, len, suffix) == 0) return n.substr(0, n.size() - len);
  }
  return n;
}

bool is_full(sqlite3_file* f) { return !full_files.empty() && full_files.count(*shim(f)->db) > 0; }

int x_close(sqlite3_file* f) {
  int rc = shim(f)->real->pMethods ? shim(f)->real->pMethods->xClose(shim(f)->real) : SQLITE_OK;
  delete shim(f)->db;
  return rc;
}
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 o) { return shim(f)->real->pMethods->xRead(shim(f)->real, p, n, o); }
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 o) {
  if (is_full(f)) {
    ++refused;
    return SQLITE_FULL;
  }
  return shim(f)->real->pMethods->xWrite(shim(f)->real, p, n, o);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 s) { return shim(f)->real->pMethods->xTruncate(shim(f)->real, s); }
int x_sync(sqlite3_file* f, int flags) { return shim(f)->real->pMethods->xSync(shim(f)->real, flags); }
int x_size(sqlite3_file* f, sqlite3_int64* s) { return shim(f)->real->pMethods->xFileSize(shim(f)->real, s); }
int x_lock(sqlite3_file* f, int l) { return shim(f)->real->pMethods->xLock(shim(f)->real, l); }
int x_unlock(sqlite3_file* f, int l) { return shim(f)->real->pMethods->xUnlock(shim(f)->real, l); }
int x_check(sqlite3_file* f, int* r) { return shim(f)->real->pMethods->xCheckReservedLock(shim(f)->real, r); }
int x_control(sqlite3_file* f, int op, void* a) { return shim(f)->real->pMethods->xFileControl(shim(f)->real, op, a); }
int x_sector(sqlite3_file* f) { return shim(f)->real->pMethods->xSectorSize(shim(f)->real); }
int x_dev(sqlite3_file* f) { return shim(f)->real->pMethods->xDeviceCharacteristics(shim(f)->real); }
int x_shm_map(sqlite3_file* f, int pg, int sz, int ext, void volatile** p) {
  return shim(f)->real->pMethods->xShmMap(shim(f)->real, pg, sz, ext, p);
}
int x_shm_lock(sqlite3_file* f, int o, int n, int flags) { return shim(f)->real->pMethods->xShmLock(shim(f)->real, o, n, flags); }
void x_shm_barrier(sqlite3_file* f) { shim(f)->real->pMethods->xShmBarrier(shim(f)->real); }
int x_shm_unmap(sqlite3_file* f, int del) { return shim(f)->real->pMethods->xShmUnmap(shim(f)->real, del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) { return shim(f)->real->pMethods->xFetch(shim(f)->real, o, n, p); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return shim(f)->real->pMethods->xUnfetch(shim(f)->real, o, p); }

sqlite3_io_methods io_methods = {
    3,          x_close,    x_read,      x_write,       x_truncate,  x_sync,  x_size,
    x_lock,     x_unlock,   x_check,     x_control,     x_sector,    x_dev,   x_shm_map,
    x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch,
};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  ShimFile* s = shim(f);
  s->real = reinterpret_cast<sqlite3_file*>(s + 1);
  s->db = new std::string(db_of(name));
  s->base.pMethods = nullptr;
  int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
  if (s->real->pMethods) {
    s->base.pMethods = &io_methods;
  } else {
    delete s->db;
    s->db = nullptr;
  }
  return rc;
}

int x_delete(sqlite3_vfs*, const char* n, int sync) { return real_vfs->xDelete(real_vfs, n, sync); }
int x_access(sqlite3_vfs*, const char* n, int flags, int* r) { return real_vfs->xAccess(real_vfs, n, flags, r); }
int x_full(sqlite3_vfs*, const char* n, int len, char* out) { return real_vfs->xFullPathname(real_vfs, n, len, out); }
void* x_dlopen(sqlite3_vfs*, const char* n) { return real_vfs->xDlOpen(real_vfs, n); }
void x_dlerror(sqlite3_vfs*, int n, char* m) { real_vfs->xDlError(real_vfs, n, m); }
void (*x_dlsym(sqlite3_vfs*, void* h, const char* s))(void) { return real_vfs->xDlSym(real_vfs, h, s); }
void x_dlclose(sqlite3_vfs*, void* h) { real_vfs->xDlClose(real_vfs, h); }
int x_random(sqlite3_vfs*, int n, char* out) { return real_vfs->xRandomness(real_vfs, n, out); }
int x_sleep(sqlite3_vfs*, int us) { return real_vfs->xSleep(real_vfs, us); }
int x_time(sqlite3_vfs*, double* t) { return real_vfs->xCurrentTime(real_vfs, t); }
int x_error(sqlite3_vfs*, int n, char* m) { return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, m) : 0; }
int x_time64(sqlite3_vfs*, sqlite3_int64* t) { return real_vfs->xCurrentTimeInt64(real_vfs, t); }

}  // namespace

void install() {
  if (real_vfs) return;
  sqlite3_initialize();
  real_vfs = sqlite3_vfs_find(nullptr);
  std::memset(&shim_vfs, 0, sizeof shim_vfs);
  shim_vfs.iVersion = 2;
  shim_vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + real_vfs->szOsFile;
  shim_vfs.mxPathname = real_vfs->mxPathname;
  shim_vfs.zName = "scansync-sim";
  shim_vfs.xOpen = x_open;
  shim_vfs.xDelete = x_delete;
  shim_vfs.xAccess = x_access;
  shim_vfs.xFullPathname = x_full;
  shim_vfs.xDlOpen = x_dlopen;
  shim_vfs.xDlError = x_dlerror;
  shim_vfs.xDlSym = x_dlsym;
  shim_vfs.xDlClose = x_dlclose;
  shim_vfs.xRandomness = x_random;
  shim_vfs.xSleep = x_sleep;
  shim_vfs.xCurrentTime = x_time;
  shim_vfs.xGetLastError = x_error;
  shim_vfs.xCurrentTimeInt64 = x_time64;
  sqlite3_vfs_register(&shim_vfs, 1);
}

void set_full(const std::string& db_file, bool full) {
  if (full) {
    full_files.insert(db_file);
  } else {
    full_files.erase(db_file);
  }
}

void clear_all() { full_files.clear(); }

unsigned long long refused_writes() { return refused; }

}  // namespace scansync::sim::vfs
