#ifndef SCANSYNC_SCANSYNC_H_
#define SCANSYNC_SCANSYNC_H_
/*
 * scansync's C ABI (libscansync.so): the phone's device client for native
 * bridges (JNI, Swift, Dart FFI, React Native JSI, Python ctypes).
 *
 * A scansync_device is a DeviceClient: scans are kept in a local SQLite
 * database (with a durable outbox) and in step with the gateway. The UI
 * reads two snapshots, as JSON text, and may subscribe to their changes:
 *
 *   SCANS  {"count":N,"scans":[{"id","userId","code","format","deviceId",
 *           "createdAt","seq","synced"}, ...]}          newest first
 *   SYNC   {"status":"connecting|connected|reconnecting|disconnected",
 *           "reason":"none|user|offline|background|unauthorized|gave_up|server"
 *                                                        (disconnected only),
 *           "attempt":n,"delayMs":ms                     (reconnecting only),
 *           "pending":n,"lastSeq":n,"flushing":bool,
 *           "lastSyncedAt":"RFC 3339"                    (once synced),
 *           "lastError":{"code","message"}}              (once an error came)
 *
 * Errors are values: every fallible function returns an int, SCANSYNC_OK (0)
 * or a scansync_error code; scansync_error_message() names it and
 * scansync_device_last_error() tells the detail of the handle's last failure.
 * No C++ exception crosses this ABI (anything unexpected is
 * SCANSYNC_ERR_INTERNAL). A NULL pointer where one is required, or a buffer
 * too short, is an error (SCANSYNC_ERR_INVALID_ARGUMENT,
 * SCANSYNC_ERR_BUFFER_TOO_SMALL), never a crash.
 *
 * Threading:
 *   - Each device has one thread of its own (its executor). Every callback
 *     of a device (subscriptions and the token callback) runs there, never
 *     two at once.
 *   - A callback may call any function of this API except
 *     scansync_device_close() and scansync_device_destroy() on its own
 *     device (they answer SCANSYNC_ERR_IN_CALLBACK and do nothing: the
 *     executor cannot wait for itself). A change it makes (a scan, a
 *     delete) is told to the subscribers once it has returned: callbacks
 *     never nest. It should return quickly: while it runs, the device
 *     neither sends nor receives.
 *   - Every other function is safe from any thread, concurrently, except
 *     that scansync_device_destroy() must be the last call on a handle
 *     (nothing may use it during or after destroy).
 *   - Strings passed in are copied before the function returns; strings
 *     passed to a callback are valid only while it runs.
 *
 * C99; all symbols are prefixed scansync_ / SCANSYNC_.
 */
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  if defined(SCANSYNC_BUILDING_LIBRARY)
#    define SCANSYNC_API __declspec(dllexport)
#  else
#    define SCANSYNC_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define SCANSYNC_API __attribute__((visibility("default")))
#else
#  define SCANSYNC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; scansync_version() is the library's. */
#define SCANSYNC_VERSION_MAJOR 0
#define SCANSYNC_VERSION_MINOR 1
#define SCANSYNC_VERSION_PATCH 0
#define SCANSYNC_VERSION_STRING "0.1.0"

/* A scan id (a UUID v4, 36 characters) and its NUL: the smallest id_out
 * buffer scansync_device_scan() accepts. */
#define SCANSYNC_ID_BUFFER_SIZE 37

typedef enum scansync_error {
  SCANSYNC_OK = 0,
  SCANSYNC_ERR_INVALID_ARGUMENT = 1,  /* a NULL pointer, a bad option or sub kind */
  SCANSYNC_ERR_NOT_A_DATABASE = 2,    /* db_path is not this device's database (left untouched) */
  SCANSYNC_ERR_NOT_FOUND = 3,         /* no live scan with that id; no subscription with that id */
  SCANSYNC_ERR_CLOSED = 4,            /* the device was closed */
  SCANSYNC_ERR_BAD_URL = 5,           /* not a gateway URL, or none given and none kept */
  SCANSYNC_ERR_BUFFER_TOO_SMALL = 6,  /* id_out shorter than SCANSYNC_ID_BUFFER_SIZE */
  SCANSYNC_ERR_BAD_SCAN = 7,          /* a code empty or over 4096 bytes, an unknown format */
  SCANSYNC_ERR_OPEN_FAILED = 8,       /* the database cannot be opened or created */
  SCANSYNC_ERR_SCHEMA_TOO_NEW = 9,    /* the database was written by a newer scansync */
  SCANSYNC_ERR_STORAGE_FULL = 10,     /* the disk is full */
  SCANSYNC_ERR_BUSY = 11,             /* another connection held the database's write lock too long */
  SCANSYNC_ERR_STORAGE = 12,          /* any other database failure (I/O error, ...) */
  SCANSYNC_ERR_TLS = 13,              /* ca_file unreadable, or TLS could not be set up */
  SCANSYNC_ERR_IN_CALLBACK = 14,      /* close/destroy from a callback of the same device */
  SCANSYNC_ERR_NO_MEMORY = 15,
  SCANSYNC_ERR_INTERNAL = 16          /* a bug: anything else (details in last_error) */
} scansync_error;

/* A static, English, NUL-terminated name for `code` (any int: unknown codes
 * get "unknown error"). Never NULL. */
SCANSYNC_API const char* scansync_error_message(int code);

/* The library's version, e.g. "0.1.0". Static; never NULL. */
SCANSYNC_API const char* scansync_version(void);

/* Frees a string this library returned (the *_json functions). NULL: no-op. */
SCANSYNC_API void scansync_string_free(char* s);

typedef struct scansync_device scansync_device;

/* Returns the bearer token (a JWT) to connect with. Called on the device's
 * executor at every (re)connect, so a refreshed token is always used. The
 * returned text is copied at once; it must stay valid until the callback
 * returns. NULL or "" means no token (the gateway refuses the connect:
 * status disconnected, reason unauthorized). */
typedef const char* (*scansync_token_fn)(void* user_data);

typedef struct scansync_device_options {
  /* sizeof(scansync_device_options) as the caller knows it: later versions
   * only append fields. scansync_device_options_init() sets it. */
  size_t struct_size;
  /* The gateway: ws://, wss://, http:// or https://. NULL or "": the URL
   * kept in the database by an earlier run or scansync_device_set_url().
   * Given: used, and kept there. */
  const char* url;
  /* The token: token_fn when not NULL (with token_user_data, which must
   * stay valid until scansync_device_destroy()), else this static text. */
  const char* token;
  scansync_token_fn token_fn;
  void* token_user_data;
  /* The device's SQLite database (required). Created when missing (its
   * folder must exist). Another file (not SQLite, corrupt, another
   * application's) is refused untouched: SCANSYNC_ERR_NOT_A_DATABASE. */
  const char* db_path;
  /* The user whose rows to use (the token's sub). NULL or "": the sub of
   * the static token (read without checking its signature); required when
   * only token_fn is given. */
  const char* user;
  /* Non-zero: connect at once. 0: start as if offline. Default 1. */
  int start_online;
  /* The first reconnect delay (doubling up to 30 s; a phone never gives
   * up). 0: 1000 ms. */
  int backoff_initial_ms;
  /* Going to the background with scans still to send: stay connected at
   * most this long to send them. 0: 5000 ms. */
  int background_grace_ms;
  /* A PEM file of CA certificates trusted besides the system's (wss://).
   * NULL or "": none. */
  const char* ca_file;
} scansync_device_options;

/* Sets every field to its default (NULLs and zeros, start_online 1,
 * struct_size). NULL: no-op. */
SCANSYNC_API void scansync_device_options_init(scansync_device_options* opts);

/* Opens the database and starts the device (connecting unless
 * start_online is 0). On success *out is a new handle, to be released with
 * scansync_device_destroy(); on failure *out is NULL. */
SCANSYNC_API int scansync_device_open(const scansync_device_options* opts, scansync_device** out);

/* Disconnects (telling the server) and stops the executor: no callback of
 * this device runs once it returns. Later calls answer SCANSYNC_ERR_CLOSED
 * (the snapshots still read the last state). Idempotent. Not from a
 * callback of this device (SCANSYNC_ERR_IN_CALLBACK). */
SCANSYNC_API int scansync_device_close(scansync_device* dev);

/* close(), then frees the handle, its subscriptions and its strings. The
 * last call on `dev`. NULL: no-op (SCANSYNC_OK). From a callback of this
 * device: SCANSYNC_ERR_IN_CALLBACK, and nothing is done. */
SCANSYNC_API int scansync_device_destroy(scansync_device* dev);

/* The detail of the last failure of a call on `dev` (from any thread), ""
 * when none. The text is this thread's copy, valid until this thread calls
 * scansync_device_last_error() again. NULL dev: "invalid argument". */
SCANSYNC_API const char* scansync_device_last_error(scansync_device* dev);

/* A scan made here: stored (with its outbox item) before it is sent.
 * format: "qr" (NULL), "ean13", "ean8", "upc_a", "code128", ... The new
 * scan's id is written to id_out (NUL-terminated), which must hold
 * SCANSYNC_ID_BUFFER_SIZE bytes, checked before anything is stored; NULL
 * with id_out_len 0: the id is not wanted. */
SCANSYNC_API int scansync_device_scan(scansync_device* dev, const char* code, const char* format, char* id_out,
                                      size_t id_out_len);

/* Deletes a live scan (SCANSYNC_ERR_NOT_FOUND when there is none). */
SCANSYNC_API int scansync_device_delete(scansync_device* dev, const char* id);

/* These three take effect on the executor after they return, in order. */
SCANSYNC_API int scansync_device_set_online(scansync_device* dev, int online);
/* Background (0): sends what is pending (at most background_grace_ms), then
 * disconnects. Foreground (non-zero): reconnects and catches up. */
SCANSYNC_API int scansync_device_set_foreground(scansync_device* dev, int foreground);
/* Keeps the URL in the database and reconnects to it. */
SCANSYNC_API int scansync_device_set_url(scansync_device* dev, const char* url);

/* The current snapshots (formats above). *json_out: a new string, freed
 * with scansync_string_free(); NULL on failure. */
SCANSYNC_API int scansync_device_scans_json(scansync_device* dev, char** json_out);
SCANSYNC_API int scansync_device_sync_json(scansync_device* dev, char** json_out);

typedef enum scansync_subscription_kind {
  SCANSYNC_SUBSCRIBE_SCANS = 1,
  SCANSYNC_SUBSCRIBE_SYNC = 2
} scansync_subscription_kind;

/* Called with the new snapshot's JSON each time it changes (not with the
 * current one on subscribing: read the snapshot after subscribing). */
typedef void (*scansync_snapshot_fn)(void* user_data, const char* json);

/* Subscribes `cb` (with user_data, which must stay valid until
 * unsubscribed or destroyed) to a snapshot. *sub_id_out: the id for
 * scansync_device_unsubscribe(), never 0. */
SCANSYNC_API int scansync_device_subscribe(scansync_device* dev, int kind, scansync_snapshot_fn cb,
                                           void* user_data, uint64_t* sub_id_out);

/* Once it returns, cb is never called again: it waits for a call under way
 * on the executor to return (so do not call it from another thread while
 * holding something that cb waits for). From within a callback it returns
 * at once. Unknown id: SCANSYNC_ERR_NOT_FOUND. */
SCANSYNC_API int scansync_device_unsubscribe(scansync_device* dev, uint64_t sub_id);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SCANSYNC_SCANSYNC_H_ */
