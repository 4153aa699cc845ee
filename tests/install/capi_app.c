/* A C program built with `pkg-config --cflags --libs scansync` against an
 * installed libscansync.so (install_test.sh): opens a device offline on a
 * database in the folder given, makes a scan, prints the scans snapshot. */
#include <stdio.h>
#include <string.h>

#include <scansync/scansync.h>

static int check(int rc, const char* what, scansync_device* dev) {
  if (rc != SCANSYNC_OK) {
    fprintf(stderr, "%s: %s (%s)\n", what, scansync_error_message(rc), dev ? scansync_device_last_error(dev) : "");
  }
  return rc;
}

int main(int argc, char** argv) {
  char db[4096];
  char id[SCANSYNC_ID_BUFFER_SIZE];
  char* json = NULL;
  scansync_device_options opts;
  scansync_device* dev = NULL;
  int rc;
  if (argc != 2 || snprintf(db, sizeof db, "%s/capi.db", argv[1]) >= (int)sizeof db) return 2;

  scansync_device_options_init(&opts);
  opts.url = "ws://127.0.0.1:9"; /* never reached: the device starts offline */
  opts.token = "token";
  opts.user = "alice";
  opts.db_path = db;
  opts.start_online = 0;
  if (check(scansync_device_open(&opts, &dev), "open", NULL) != SCANSYNC_OK) return 1;
  rc = check(scansync_device_scan(dev, "C-ABI-1", "qr", id, sizeof id), "scan", dev);
  if (rc == SCANSYNC_OK) rc = check(scansync_device_scans_json(dev, &json), "scans_json", dev);
  if (rc == SCANSYNC_OK) printf("version=%s scans=%s\n", scansync_version(), json);
  scansync_string_free(json);
  check(scansync_device_close(dev), "close", dev);
  scansync_device_destroy(dev);
  return rc == SCANSYNC_OK ? 0 : 1;
}
