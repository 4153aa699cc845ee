#!/usr/bin/env python3
"""libscansync.so driven from another language (Python ctypes) against a
real gateway: what a JNI / Swift / Dart FFI bridge does.

    capi_test.py LIBSCANSYNC_SO SCANSYNC_BINARY

Starts `scansync gateway --port 0`, mints an HS256 token, then through the C
ABI: opens a device, subscribes to SYNC and SCANS, scans online, offline and
online again, deletes, checks the gateway over REST, checks error codes, and
tears everything down. Waits are on events the callbacks set, with
deadlines; nothing sleeps. Exit 0 on success.
"""
import base64
import ctypes
import hashlib
import hmac
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

DEADLINE_S = 20

# scansync.h
OK = 0
ERR_INVALID_ARGUMENT = 1
ERR_NOT_A_DATABASE = 2
ERR_NOT_FOUND = 3
ERR_CLOSED = 4
ERR_BUFFER_TOO_SMALL = 6
SUBSCRIBE_SCANS = 1
SUBSCRIBE_SYNC = 2
ID_BUFFER_SIZE = 37

TOKEN_FN = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)  # const char* (*)(void*): a pointer we keep alive
SNAPSHOT_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class DeviceOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("url", ctypes.c_char_p),
        ("token", ctypes.c_char_p),
        ("token_fn", TOKEN_FN),
        ("token_user_data", ctypes.c_void_p),
        ("db_path", ctypes.c_char_p),
        ("user", ctypes.c_char_p),
        ("start_online", ctypes.c_int),
        ("backoff_initial_ms", ctypes.c_int),
        ("background_grace_ms", ctypes.c_int),
        ("ca_file", ctypes.c_char_p),
    ]


def load(path):
    lib = ctypes.CDLL(path)
    p, i, u64, sz = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64, ctypes.c_size_t
    cs = ctypes.c_char_p
    sigs = {
        "scansync_version": (cs, []),
        "scansync_error_message": (cs, [i]),
        "scansync_string_free": (None, [p]),
        "scansync_device_options_init": (None, [ctypes.POINTER(DeviceOptions)]),
        "scansync_device_open": (i, [ctypes.POINTER(DeviceOptions), ctypes.POINTER(p)]),
        "scansync_device_close": (i, [p]),
        "scansync_device_destroy": (i, [p]),
        "scansync_device_last_error": (cs, [p]),
        "scansync_device_scan": (i, [p, cs, cs, ctypes.c_char_p, sz]),
        "scansync_device_delete": (i, [p, cs]),
        "scansync_device_set_online": (i, [p, i]),
        "scansync_device_set_foreground": (i, [p, i]),
        "scansync_device_set_url": (i, [p, cs]),
        "scansync_device_scans_json": (i, [p, ctypes.POINTER(p)]),
        "scansync_device_sync_json": (i, [p, ctypes.POINTER(p)]),
        "scansync_device_subscribe": (i, [p, i, SNAPSHOT_FN, p, ctypes.POINTER(u64)]),
        "scansync_device_unsubscribe": (i, [p, u64]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_token(secret, sub):
    now = int(time.time())
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"sub": sub, "iat": now, "exp": now + 3600}).encode())
    signing_input = f"{header}.{claims}".encode()
    sig = b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    return f"{header}.{claims}.{sig}"


class Gateway:
    def __init__(self, binary, data_dir, secret_file, log_path):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "gateway", "--port", "0", "--data", data_dir, "--jwt-secret-file", secret_file],
            stdout=subprocess.PIPE, stderr=self.log)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in self.proc.stdout], daemon=True).start()
        deadline = time.monotonic() + DEADLINE_S
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the gateway printed no listening line")
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            msg = json.loads(line)
            if msg.get("type") == "listening":
                self.port = msg["port"]
                return

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


class Device:
    """A device opened through the C ABI, its callbacks and a waiter."""

    def __init__(self, lib, url, token, sub, db_path):
        self.lib = lib
        self.changed = threading.Event()  # set by every callback
        self.errors = []                  # exceptions inside callbacks
        self.calls = {"scans": 0, "sync": 0, "token": 0}
        self.threads = set()
        self.lock = threading.Lock()
        self.in_callback = 0
        self.token_buf = ctypes.create_string_buffer(token.encode())
        # ctypes callbacks must stay referenced while the library may call them.
        self.token_fn = TOKEN_FN(self._on_token)
        self.on_scans = SNAPSHOT_FN(lambda ud, j: self._on_snapshot("scans", j))
        self.on_sync = SNAPSHOT_FN(lambda ud, j: self._on_snapshot("sync", j))

        opts = DeviceOptions()
        lib.scansync_device_options_init(ctypes.byref(opts))
        assert opts.struct_size == ctypes.sizeof(DeviceOptions), "the struct layout matches the header"
        opts.url = url.encode()
        opts.token_fn = self.token_fn  # asked at every (re)connect
        opts.user = sub.encode()
        opts.db_path = db_path.encode()
        opts.backoff_initial_ms = 100
        self.handle = ctypes.c_void_p()
        rc = lib.scansync_device_open(ctypes.byref(opts), ctypes.byref(self.handle))
        assert rc == OK, f"open: {rc} {lib.scansync_error_message(rc)}"
        self.sub_ids = []
        for kind, cb in ((SUBSCRIBE_SYNC, self.on_sync), (SUBSCRIBE_SCANS, self.on_scans)):
            sid = ctypes.c_uint64()
            assert lib.scansync_device_subscribe(self.handle, kind, cb, None, ctypes.byref(sid)) == OK
            assert sid.value != 0
            self.sub_ids.append(sid.value)

    def _enter(self):
        with self.lock:
            self.in_callback += 1
            if self.in_callback != 1:
                self.errors.append("two callbacks ran at once")
            self.threads.add(threading.get_ident())

    def _leave(self):
        with self.lock:
            self.in_callback -= 1

    def _on_token(self, _user_data):
        self._enter()
        try:
            self.calls["token"] += 1
            return ctypes.addressof(self.token_buf)
        finally:
            self._leave()

    def _on_snapshot(self, kind, text):
        self._enter()
        try:
            json.loads(text.decode())
            self.calls[kind] += 1
        except Exception as e:  # pylint: disable=broad-except
            self.errors.append(f"{kind} callback: {e!r}")
        finally:
            self._leave()
            self.changed.set()

    def _json(self, fn):
        out = ctypes.c_void_p()
        rc = fn(self.handle, ctypes.byref(out))
        assert rc == OK, rc
        try:
            return json.loads(ctypes.string_at(out.value).decode())
        finally:
            self.lib.scansync_string_free(out)

    def scans(self):
        return self._json(self.lib.scansync_device_scans_json)

    def sync(self):
        return self._json(self.lib.scansync_device_sync_json)

    def wait_until(self, what, pred):
        """Waits for pred() (reading the snapshots) to hold, woken by callbacks."""
        deadline = time.monotonic() + DEADLINE_S
        while True:
            self.changed.clear()
            if pred():
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}: sync={self.sync()} scans={self.scans()}")
            self.changed.wait(remaining)

    def scan(self, code, fmt=b"qr"):
        buf = ctypes.create_string_buffer(ID_BUFFER_SIZE)
        rc = self.lib.scansync_device_scan(self.handle, code, fmt, buf, ID_BUFFER_SIZE)
        assert rc == OK, f"scan: {rc} {self.lib.scansync_device_last_error(self.handle)}"
        return buf.value.decode()

    def synced(self, ids):
        rows = {s["id"]: s for s in self.scans()["scans"]}
        return all(i in rows and rows[i]["synced"] and rows[i]["seq"] > 0 for i in ids)


def rest_scans(port, token):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/scans",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return {s["id"]: s for s in json.loads(resp.read())["scans"]}


def main(lib_path, binary):
    lib = load(lib_path)
    assert lib.scansync_version().decode().count(".") == 2
    tmp = tempfile.mkdtemp(prefix="capi_py.")
    gateway = None
    dev = None
    try:
        secret = hashlib.sha256(os.urandom(32)).hexdigest()
        secret_file = os.path.join(tmp, "jwt-secret")
        with open(secret_file, "w") as f:
            f.write(secret + "\n")
        gateway = Gateway(binary, os.path.join(tmp, "gw"), secret_file, os.path.join(tmp, "gateway.log"))
        user = "capi-py-user"
        token = mint_token(secret, user)
        url = f"ws://127.0.0.1:{gateway.port}/"

        dev = Device(lib, url, token, user, os.path.join(tmp, "device.db"))
        main_thread = threading.get_ident()
        dev.wait_until("connected", lambda: dev.sync()["status"] == "connected")

        first = dev.scan(b"4006381333931", b"ean13")
        dev.wait_until("the first scan synced", lambda: dev.synced([first]) and dev.sync()["pending"] == 0)

        assert lib.scansync_device_set_online(dev.handle, 0) == OK
        dev.wait_until("offline", lambda: dev.sync()["status"] == "disconnected"
                       and dev.sync().get("reason") == "offline")
        second = dev.scan(b"offline-code")
        s = dev.sync()
        assert s["pending"] == 1 and s["status"] == "disconnected", s
        assert not dev.synced([second])
        token_calls = dev.calls["token"]

        assert lib.scansync_device_set_online(dev.handle, 1) == OK
        dev.wait_until("both synced", lambda: dev.synced([first, second]) and dev.sync()["pending"] == 0)
        assert dev.calls["token"] > token_calls, "the token callback is asked at the reconnect"
        on_server = rest_scans(gateway.port, token)
        assert first in on_server and second in on_server, on_server
        assert on_server[second]["code"] == "offline-code"

        assert lib.scansync_device_delete(dev.handle, first.encode()) == OK
        dev.wait_until("the delete acked", lambda: dev.scans()["count"] == 1 and dev.sync()["pending"] == 0)
        on_server = rest_scans(gateway.port, token)
        assert first not in on_server and second in on_server, on_server
        assert lib.scansync_device_delete(dev.handle, first.encode()) == ERR_NOT_FOUND

        # Errors are codes, not crashes.
        buf = ctypes.create_string_buffer(ID_BUFFER_SIZE)
        assert lib.scansync_device_scan(None, b"x", b"qr", buf, ID_BUFFER_SIZE) == ERR_INVALID_ARGUMENT
        assert lib.scansync_device_scan(dev.handle, b"x", b"qr", buf, 8) == ERR_BUFFER_TOO_SMALL
        assert lib.scansync_device_last_error(dev.handle).decode() != ""
        assert lib.scansync_device_delete(dev.handle, None) == ERR_INVALID_ARGUMENT
        assert dev.scans()["count"] == 1, "refused calls stored nothing"
        corrupt = os.path.join(tmp, "corrupt.db")
        garbage = b"SQLite format 3\0" + os.urandom(8192)
        with open(corrupt, "wb") as f:
            f.write(garbage)
        opts = DeviceOptions()
        lib.scansync_device_options_init(ctypes.byref(opts))
        opts.url, opts.token, opts.db_path = url.encode(), token.encode(), corrupt.encode()
        other = ctypes.c_void_p()
        assert lib.scansync_device_open(ctypes.byref(opts), ctypes.byref(other)) == ERR_NOT_A_DATABASE
        assert not other.value
        with open(corrupt, "rb") as f:
            assert f.read() == garbage, "a refused database is left untouched"

        for sid in dev.sub_ids:
            assert lib.scansync_device_unsubscribe(dev.handle, sid) == OK
        assert lib.scansync_device_unsubscribe(dev.handle, dev.sub_ids[0]) == ERR_NOT_FOUND
        assert lib.scansync_device_close(dev.handle) == OK
        assert lib.scansync_device_scan(dev.handle, b"late", b"qr", buf, ID_BUFFER_SIZE) == ERR_CLOSED
        assert lib.scansync_device_destroy(dev.handle) == OK
        dev.handle = None

        assert not dev.errors, dev.errors
        assert dev.calls["sync"] > 0 and dev.calls["scans"] > 0, dev.calls
        assert main_thread not in dev.threads, "callbacks run on the device's executor"
        assert len(dev.threads) == 1, dev.threads
        print(f"capi.python: ok (callbacks {dev.calls})")
        return 0
    finally:
        if dev is not None and dev.handle:
            lib.scansync_device_destroy(dev.handle)  # before the gateway goes: the goodbye is told
        if gateway is not None:
            gateway.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: capi_test.py LIBSCANSYNC_SO SCANSYNC_BINARY")
    sys.exit(main(sys.argv[1], sys.argv[2]))
