// Declares browser_imports.h's functions to the Emscripten linker as wasm
// imports ("env"), so an undefined symbol anywhere else still fails the
// link. The bodies are never used: web/scansync.js provides the imports.
mergeInto(LibraryManager.library, {
  ss_now: function () {},
  ss_open: function () {},
  ss_send: function () {},
  ss_close: function () {},
  ss_arm_timer: function () {},
  ss_cancel_timer: function () {},
  ss_token: function () {},
  ss_status: function () {},
  ss_event: function () {},
  ss_event_arg: function () {},
  ss_ack: function () {},
});
