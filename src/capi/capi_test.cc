// The C ABI through libscansync.so alone: argument checks, errors as codes,
// and what a device does with no server (offline, closed, callbacks' rules).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scansync/scansync.h"

namespace {

namespace fs = std::filesystem;

// A JWT whose payload is {"sub":"alice"}; the signature is not checked here.
constexpr const char* kToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
// Nothing listens there: the device stays disconnected / reconnecting.
constexpr const char* kNowhere = "ws://127.0.0.1:9/";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "capi_test.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : throw std::runtime_error("mkdtemp");
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path path() const { return path_; }

 private:
  fs::path path_;
};

scansync_device_options options(const std::string& db) {
  scansync_device_options o;
  scansync_device_options_init(&o);
  o.url = kNowhere;
  o.token = kToken;
  o.db_path = db.c_str();  // the caller keeps `db` alive across open
  o.start_online = 0;
  return o;
}

std::string take(char* s) {
  std::string out = s ? s : "";
  scansync_string_free(s);
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class CapiDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_.path() / "device.db").string();
    auto o = options(db_);
    ASSERT_EQ(scansync_device_open(&o, &dev_), SCANSYNC_OK);
    ASSERT_NE(dev_, nullptr);
  }
  void TearDown() override { EXPECT_EQ(scansync_device_destroy(dev_), SCANSYNC_OK); }

  TempDir dir_;
  std::string db_;
  scansync_device* dev_ = nullptr;
};

TEST(CapiLibrary, VersionAndMessages) {
  EXPECT_STREQ(scansync_version(), SCANSYNC_VERSION_STRING);
  for (int code = SCANSYNC_OK; code <= SCANSYNC_ERR_INTERNAL; ++code) {
    ASSERT_NE(scansync_error_message(code), nullptr);
    EXPECT_STRNE(scansync_error_message(code), "unknown error") << code;
  }
  EXPECT_STREQ(scansync_error_message(-1), "unknown error");
  EXPECT_STREQ(scansync_error_message(1000), "unknown error");
  scansync_string_free(nullptr);
}

TEST(CapiLibrary, NullHandleIsAnArgumentError) {
  char id[SCANSYNC_ID_BUFFER_SIZE];
  char* json = reinterpret_cast<char*>(1);
  std::uint64_t sub = 7;
  EXPECT_EQ(scansync_device_close(nullptr), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_destroy(nullptr), SCANSYNC_OK);  // like free(NULL)
  EXPECT_EQ(scansync_device_scan(nullptr, "c", "qr", id, sizeof id), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_delete(nullptr, "x"), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_set_online(nullptr, 1), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_set_foreground(nullptr, 1), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_set_url(nullptr, kNowhere), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_scans_json(nullptr, &json), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(json, nullptr);
  json = reinterpret_cast<char*>(1);
  EXPECT_EQ(scansync_device_sync_json(nullptr, &json), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(json, nullptr);
  EXPECT_EQ(scansync_device_subscribe(nullptr, SCANSYNC_SUBSCRIBE_SCANS, [](void*, const char*) {}, nullptr, &sub),
            SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_unsubscribe(nullptr, 1), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_STRNE(scansync_device_last_error(nullptr), "");
  scansync_device_options_init(nullptr);
}

TEST(CapiOpen, RefusesMissingOrBadOptions) {
  TempDir dir;
  const std::string db = (dir.path() / "d.db").string();
  scansync_device* dev = reinterpret_cast<scansync_device*>(1);
  EXPECT_EQ(scansync_device_open(nullptr, &dev), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(dev, nullptr);
  auto o = options(db);
  EXPECT_EQ(scansync_device_open(&o, nullptr), SCANSYNC_ERR_INVALID_ARGUMENT);

  auto small = o;
  small.struct_size = sizeof(size_t);
  EXPECT_EQ(scansync_device_open(&small, &dev), SCANSYNC_ERR_INVALID_ARGUMENT);
  auto no_db = o;
  no_db.db_path = "";
  EXPECT_EQ(scansync_device_open(&no_db, &dev), SCANSYNC_ERR_INVALID_ARGUMENT);
  auto no_token = o;
  no_token.token = nullptr;
  EXPECT_EQ(scansync_device_open(&no_token, &dev), SCANSYNC_ERR_INVALID_ARGUMENT);
  // Only a token callback: nothing names the user.
  auto no_user = no_token;
  no_user.token_fn = [](void*) -> const char* { return kToken; };
  EXPECT_EQ(scansync_device_open(&no_user, &dev), SCANSYNC_ERR_INVALID_ARGUMENT);
  auto anonymous = o;
  anonymous.token = "not-a-jwt";
  EXPECT_EQ(scansync_device_open(&anonymous, &dev), SCANSYNC_ERR_INVALID_ARGUMENT);
  auto negative = o;
  negative.backoff_initial_ms = -1;
  EXPECT_EQ(scansync_device_open(&negative, &dev), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(dev, nullptr);
  EXPECT_FALSE(fs::exists(db));  // nothing was created by a refused open
}

TEST(CapiOpen, BadUrlAndMissingFolder) {
  TempDir dir;
  const std::string db = (dir.path() / "d.db").string();
  scansync_device* dev = nullptr;
  auto o = options(db);
  o.url = "ftp://nope";
  EXPECT_EQ(scansync_device_open(&o, &dev), SCANSYNC_ERR_BAD_URL);
  o.url = nullptr;  // and none kept in the database
  EXPECT_EQ(scansync_device_open(&o, &dev), SCANSYNC_ERR_BAD_URL);
  const std::string nowhere = (dir.path() / "missing" / "d.db").string();
  auto o2 = options(nowhere);
  EXPECT_EQ(scansync_device_open(&o2, &dev), SCANSYNC_ERR_OPEN_FAILED);
  EXPECT_EQ(dev, nullptr);
}

TEST(CapiOpen, CorruptDatabaseIsRefusedUntouched) {
  TempDir dir;
  const auto db = dir.path() / "corrupt.db";
  std::string garbage = "SQLite format 3";
  garbage.push_back('\0');
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>(i * 37 + 11));
  std::ofstream(db, std::ios::binary) << garbage;
  const std::string path = db.string();
  auto o = options(path);
  scansync_device* dev = nullptr;
  EXPECT_EQ(scansync_device_open(&o, &dev), SCANSYNC_ERR_NOT_A_DATABASE);
  EXPECT_EQ(dev, nullptr);
  EXPECT_EQ(read_file(db), garbage);
}

TEST_F(CapiDevice, ScanOfflineIsPending) {
  char id[SCANSYNC_ID_BUFFER_SIZE];
  ASSERT_EQ(scansync_device_scan(dev_, "4006381333931", "ean13", id, sizeof id), SCANSYNC_OK);
  EXPECT_EQ(std::strlen(id), 36u);
  const std::string scans = take([&] {
    char* j = nullptr;
    EXPECT_EQ(scansync_device_scans_json(dev_, &j), SCANSYNC_OK);
    return j;
  }());
  EXPECT_NE(scans.find("\"count\":1"), std::string::npos) << scans;
  EXPECT_NE(scans.find(id), std::string::npos) << scans;
  EXPECT_NE(scans.find("\"synced\":false"), std::string::npos) << scans;
  char* sync = nullptr;
  ASSERT_EQ(scansync_device_sync_json(dev_, &sync), SCANSYNC_OK);
  const std::string s = take(sync);
  EXPECT_NE(s.find("\"status\":\"disconnected\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"pending\":1"), std::string::npos) << s;

  EXPECT_EQ(scansync_device_delete(dev_, id), SCANSYNC_OK);
  EXPECT_EQ(scansync_device_delete(dev_, id), SCANSYNC_ERR_NOT_FOUND);
  EXPECT_STRNE(scansync_device_last_error(dev_), "");
}

TEST_F(CapiDevice, ArgumentErrors) {
  char id[SCANSYNC_ID_BUFFER_SIZE] = "untouched";
  EXPECT_EQ(scansync_device_scan(dev_, "c", "qr", id, SCANSYNC_ID_BUFFER_SIZE - 1), SCANSYNC_ERR_BUFFER_TOO_SMALL);
  EXPECT_STREQ(id, "untouched");
  EXPECT_EQ(scansync_device_scan(dev_, "c", "qr", id, 0), SCANSYNC_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(scansync_device_scan(dev_, "c", "qr", nullptr, 5), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_scan(dev_, nullptr, "qr", id, sizeof id), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_scan(dev_, "c", "morse", id, sizeof id), SCANSYNC_ERR_BAD_SCAN);
  EXPECT_EQ(scansync_device_scan(dev_, "", "qr", id, sizeof id), SCANSYNC_ERR_BAD_SCAN);
  EXPECT_EQ(scansync_device_delete(dev_, nullptr), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_set_url(dev_, nullptr), SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_set_url(dev_, "gopher://x"), SCANSYNC_ERR_BAD_URL);
  EXPECT_EQ(scansync_device_scans_json(dev_, nullptr), SCANSYNC_ERR_INVALID_ARGUMENT);
  std::uint64_t sub = 0;
  EXPECT_EQ(scansync_device_subscribe(dev_, 99, [](void*, const char*) {}, nullptr, &sub),
            SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_subscribe(dev_, SCANSYNC_SUBSCRIBE_SCANS, nullptr, nullptr, &sub),
            SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_subscribe(dev_, SCANSYNC_SUBSCRIBE_SCANS, [](void*, const char*) {}, nullptr, nullptr),
            SCANSYNC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(scansync_device_unsubscribe(dev_, 12345), SCANSYNC_ERR_NOT_FOUND);
  // A scan with no id wanted.
  EXPECT_EQ(scansync_device_scan(dev_, "c", nullptr, nullptr, 0), SCANSYNC_OK);
  // Nothing was stored by the refused ones.
  char* j = nullptr;
  ASSERT_EQ(scansync_device_scans_json(dev_, &j), SCANSYNC_OK);
  EXPECT_NE(take(j).find("\"count\":1"), std::string::npos);
}

// What a callback sees and may do: it runs on the executor, close/destroy
// of its own device are refused there, unsubscribing itself is allowed.
struct CallbackProbe {
  scansync_device* dev = nullptr;
  std::uint64_t sub = 0;
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  std::string json;
  int close_rc = -1, destroy_rc = -1, unsubscribe_rc = -1, snapshot_rc = -1;

  static void on_scans(void* user_data, const char* json) {
    auto* p = static_cast<CallbackProbe*>(user_data);
    const int close_rc = scansync_device_close(p->dev);
    const int destroy_rc = scansync_device_destroy(p->dev);
    char* snap = nullptr;
    const int snapshot_rc = scansync_device_scans_json(p->dev, &snap);
    scansync_string_free(snap);
    const int unsubscribe_rc = scansync_device_unsubscribe(p->dev, p->sub);
    std::lock_guard lock(p->mu);
    ++p->calls;
    p->json = json;
    p->close_rc = close_rc;
    p->destroy_rc = destroy_rc;
    p->snapshot_rc = snapshot_rc;
    p->unsubscribe_rc = unsubscribe_rc;
    p->cv.notify_all();
  }
};

TEST_F(CapiDevice, CallbackRules) {
  CallbackProbe probe;
  probe.dev = dev_;
  {
    std::lock_guard lock(probe.mu);  // the callback reads probe.sub
    ASSERT_EQ(scansync_device_subscribe(dev_, SCANSYNC_SUBSCRIBE_SCANS, &CallbackProbe::on_scans, &probe, &probe.sub),
              SCANSYNC_OK);
    EXPECT_NE(probe.sub, 0u);
  }
  ASSERT_EQ(scansync_device_scan(dev_, "first", "qr", nullptr, 0), SCANSYNC_OK);
  {
    std::unique_lock lock(probe.mu);
    ASSERT_TRUE(probe.cv.wait_for(lock, std::chrono::seconds(10), [&] { return probe.calls > 0; }));
    EXPECT_EQ(probe.close_rc, SCANSYNC_ERR_IN_CALLBACK);
    EXPECT_EQ(probe.destroy_rc, SCANSYNC_ERR_IN_CALLBACK);
    EXPECT_EQ(probe.snapshot_rc, SCANSYNC_OK);
    EXPECT_EQ(probe.unsubscribe_rc, SCANSYNC_OK);
    EXPECT_NE(probe.json.find("\"first\""), std::string::npos) << probe.json;
  }
  // Unsubscribed (from its own call): a later change is not told.
  ASSERT_EQ(scansync_device_scan(dev_, "second", "qr", nullptr, 0), SCANSYNC_OK);
  char* j = nullptr;
  ASSERT_EQ(scansync_device_scans_json(dev_, &j), SCANSYNC_OK);  // scan() returned after the publish on the executor
  EXPECT_NE(take(j).find("\"count\":2"), std::string::npos);
  std::lock_guard lock(probe.mu);
  EXPECT_EQ(probe.calls, 1);
}

// A callback that scans: the change it made is told after it returns, to
// every subscriber including itself, and no call nests in another.
struct ReentrantProbe {
  scansync_device* dev = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  int depth = 0, max_depth = 0, scans_calls = 0, sync_calls = 0, scan_rc = -1;
  bool saw_two = false, saw_pending_two = false;

  static void enter(ReentrantProbe* p) {
    std::lock_guard lock(p->mu);
    p->max_depth = std::max(p->max_depth, ++p->depth);
  }
  static void leave(ReentrantProbe* p) {
    std::lock_guard lock(p->mu);
    --p->depth;
    p->cv.notify_all();
  }
  static void on_scans(void* u, const char* json) {
    auto* p = static_cast<ReentrantProbe*>(u);
    enter(p);
    bool first;
    {
      std::lock_guard lock(p->mu);
      first = ++p->scans_calls == 1;
      p->saw_two = p->saw_two || std::strstr(json, "\"count\":2") != nullptr;
    }
    if (first) {
      const int rc = scansync_device_scan(p->dev, "from-callback", "qr", nullptr, 0);
      std::lock_guard lock(p->mu);
      p->scan_rc = rc;
    }
    leave(p);
  }
  static void on_sync(void* u, const char* json) {
    auto* p = static_cast<ReentrantProbe*>(u);
    enter(p);
    {
      std::lock_guard lock(p->mu);
      ++p->sync_calls;
      p->saw_pending_two = p->saw_pending_two || std::strstr(json, "\"pending\":2") != nullptr;
    }
    leave(p);
  }
};

TEST_F(CapiDevice, ChangesMadeInACallbackAreToldAfterIt) {
  ReentrantProbe probe;
  probe.dev = dev_;
  std::uint64_t a = 0, b = 0;
  ASSERT_EQ(scansync_device_subscribe(dev_, SCANSYNC_SUBSCRIBE_SCANS, &ReentrantProbe::on_scans, &probe, &a),
            SCANSYNC_OK);
  ASSERT_EQ(scansync_device_subscribe(dev_, SCANSYNC_SUBSCRIBE_SYNC, &ReentrantProbe::on_sync, &probe, &b),
            SCANSYNC_OK);
  ASSERT_EQ(scansync_device_scan(dev_, "outer", "qr", nullptr, 0), SCANSYNC_OK);
  std::unique_lock lock(probe.mu);
  ASSERT_TRUE(probe.cv.wait_for(lock, std::chrono::seconds(10), [&] { return probe.saw_two && probe.saw_pending_two && probe.depth == 0; }));
  EXPECT_EQ(probe.scan_rc, SCANSYNC_OK);
  EXPECT_EQ(probe.max_depth, 1);
  EXPECT_GE(probe.scans_calls, 2);
  lock.unlock();
  // The probe goes with this scope: no call may come after.
  EXPECT_EQ(scansync_device_unsubscribe(dev_, a), SCANSYNC_OK);
  EXPECT_EQ(scansync_device_unsubscribe(dev_, b), SCANSYNC_OK);
}

TEST_F(CapiDevice, UnsubscribedFromAnotherThreadIsNeverCalledAgain) {
  struct Counter {
    std::mutex mu;
    int calls = 0;
  } counter;
  std::uint64_t sub = 0;
  ASSERT_EQ(scansync_device_subscribe(
                dev_, SCANSYNC_SUBSCRIBE_SYNC,
                [](void* u, const char*) {
                  auto* c = static_cast<Counter*>(u);
                  std::lock_guard lock(c->mu);
                  ++c->calls;
                },
                &counter, &sub),
            SCANSYNC_OK);
  ASSERT_EQ(scansync_device_scan(dev_, "a", "qr", nullptr, 0), SCANSYNC_OK);  // pending 0 -> 1
  ASSERT_EQ(scansync_device_unsubscribe(dev_, sub), SCANSYNC_OK);
  int seen;
  {
    std::lock_guard lock(counter.mu);
    seen = counter.calls;
  }
  EXPECT_GE(seen, 1);
  ASSERT_EQ(scansync_device_scan(dev_, "b", "qr", nullptr, 0), SCANSYNC_OK);  // pending 1 -> 2
  std::lock_guard lock(counter.mu);
  EXPECT_EQ(counter.calls, seen);
  EXPECT_EQ(scansync_device_unsubscribe(dev_, sub), SCANSYNC_ERR_NOT_FOUND);
}

TEST_F(CapiDevice, ClosedDeviceAnswersClosed) {
  ASSERT_EQ(scansync_device_scan(dev_, "kept", "qr", nullptr, 0), SCANSYNC_OK);
  ASSERT_EQ(scansync_device_close(dev_), SCANSYNC_OK);
  EXPECT_EQ(scansync_device_close(dev_), SCANSYNC_OK);  // idempotent
  char id[SCANSYNC_ID_BUFFER_SIZE];
  EXPECT_EQ(scansync_device_scan(dev_, "late", "qr", id, sizeof id), SCANSYNC_ERR_CLOSED);
  EXPECT_EQ(scansync_device_delete(dev_, "x"), SCANSYNC_ERR_CLOSED);
  EXPECT_EQ(scansync_device_set_online(dev_, 1), SCANSYNC_ERR_CLOSED);
  EXPECT_EQ(scansync_device_set_foreground(dev_, 1), SCANSYNC_ERR_CLOSED);
  EXPECT_EQ(scansync_device_set_url(dev_, kNowhere), SCANSYNC_ERR_CLOSED);
  std::uint64_t sub = 0;
  EXPECT_EQ(scansync_device_subscribe(dev_, SCANSYNC_SUBSCRIBE_SYNC, [](void*, const char*) {}, nullptr, &sub),
            SCANSYNC_ERR_CLOSED);
  char* j = nullptr;
  ASSERT_EQ(scansync_device_scans_json(dev_, &j), SCANSYNC_OK);  // the last state stays readable
  EXPECT_NE(take(j).find("\"kept\""), std::string::npos);
}

// Every function but destroy is safe from any thread: several threads scan,
// read, subscribe and unsubscribe at once, then one closes while they go on.
TEST_F(CapiDevice, ManyThreadsAtOnceAndACloseAmongThem) {
  constexpr int kThreads = 4, kRounds = 25;
  std::atomic<int> ok_scans{0}, closed{0}, other{0};
  std::atomic<bool> go_close{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds * 2; ++i) {
        if (i == kRounds) go_close.store(true);
        std::uint64_t sub = 0;
        const int s = scansync_device_subscribe(dev_, t % 2 ? SCANSYNC_SUBSCRIBE_SYNC : SCANSYNC_SUBSCRIBE_SCANS,
                                                [](void*, const char*) {}, nullptr, &sub);
        const std::string code = "t" + std::to_string(t) + "-" + std::to_string(i);
        char id[SCANSYNC_ID_BUFFER_SIZE];
        const int rc = scansync_device_scan(dev_, code.c_str(), "qr", id, sizeof id);
        (rc == SCANSYNC_OK ? ok_scans : rc == SCANSYNC_ERR_CLOSED ? closed : other)++;
        scansync_device_set_online(dev_, i % 3 == 0);
        char* j = nullptr;
        if (scansync_device_sync_json(dev_, &j) != SCANSYNC_OK) other++;
        scansync_string_free(j);
        (void)scansync_device_last_error(dev_);
        if (s == SCANSYNC_OK && scansync_device_unsubscribe(dev_, sub) != SCANSYNC_OK) other++;
      }
    });
  }
  while (!go_close.load()) std::this_thread::yield();
  EXPECT_EQ(scansync_device_close(dev_), SCANSYNC_OK);
  for (auto& th : threads) th.join();
  EXPECT_EQ(other.load(), 0) << scansync_device_last_error(dev_);
  EXPECT_GE(ok_scans.load(), kRounds);
  EXPECT_EQ(ok_scans.load() + closed.load(), kThreads * kRounds * 2);
  char* j = nullptr;
  ASSERT_EQ(scansync_device_scans_json(dev_, &j), SCANSYNC_OK);
  EXPECT_NE(take(j).find("\"count\":" + std::to_string(ok_scans.load()) + ","), std::string::npos);
}

TEST(CapiReopen, ScansSurviveAndTheUrlIsKept) {
  TempDir dir;
  const std::string db = (dir.path() / "d.db").string();
  auto o = options(db);
  scansync_device* dev = nullptr;
  ASSERT_EQ(scansync_device_open(&o, &dev), SCANSYNC_OK);
  ASSERT_EQ(scansync_device_scan(dev, "durable", "qr", nullptr, 0), SCANSYNC_OK);
  ASSERT_EQ(scansync_device_destroy(dev), SCANSYNC_OK);

  o.url = nullptr;  // the URL kept by the first run
  ASSERT_EQ(scansync_device_open(&o, &dev), SCANSYNC_OK);
  char* j = nullptr;
  ASSERT_EQ(scansync_device_sync_json(dev, &j), SCANSYNC_OK);
  EXPECT_NE(take(j).find("\"pending\":1"), std::string::npos);
  ASSERT_EQ(scansync_device_scans_json(dev, &j), SCANSYNC_OK);
  EXPECT_NE(take(j).find("\"durable\""), std::string::npos);
  ASSERT_EQ(scansync_device_destroy(dev), SCANSYNC_OK);
}

}  // namespace
