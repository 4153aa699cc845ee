/* The header is C99: this file is compiled by the C compiler (-std=c99
 * -Wall -Wextra -Wpedantic -Werror) and makes a few calls that need no
 * server. Exit 0 when they answer as documented. */
#include <stdio.h>
#include <string.h>

#include "scansync/scansync.h"

static int failures = 0;

static void expect(int ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "capi_c_compile_test: %s\n", what);
    ++failures;
  }
}

int main(void) {
  scansync_device_options opts;
  scansync_device* dev = NULL;
  char id[SCANSYNC_ID_BUFFER_SIZE];
  char* json = NULL;
  uint64_t sub = 0;

  expect(strcmp(scansync_version(), SCANSYNC_VERSION_STRING) == 0, "version matches the header");
  expect(strcmp(scansync_error_message(SCANSYNC_OK), "ok") == 0, "error message of SCANSYNC_OK");
  expect(scansync_error_message(-12345) != NULL, "error message of an unknown code");

  scansync_device_options_init(&opts);
  expect(opts.struct_size == sizeof opts && opts.start_online == 1, "options_init");
  expect(scansync_device_open(&opts, &dev) == SCANSYNC_ERR_INVALID_ARGUMENT && dev == NULL, "open without db_path");
  expect(scansync_device_scan(NULL, "c", NULL, id, sizeof id) == SCANSYNC_ERR_INVALID_ARGUMENT, "scan(NULL)");
  expect(scansync_device_scans_json(NULL, &json) == SCANSYNC_ERR_INVALID_ARGUMENT && json == NULL, "scans_json(NULL)");
  expect(scansync_device_subscribe(NULL, SCANSYNC_SUBSCRIBE_SYNC, NULL, NULL, &sub) == SCANSYNC_ERR_INVALID_ARGUMENT,
         "subscribe(NULL)");
  expect(scansync_device_destroy(NULL) == SCANSYNC_OK, "destroy(NULL)");
  scansync_string_free(NULL);
  return failures == 0 ? 0 : 1;
}
