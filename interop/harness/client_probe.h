#pragma once
// Records what a NativeClient reports (statuses, events, transport errors)
// from its strand and lets the test thread wait for a condition on the
// record with a deadline.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "harness/child_process.h"
#include "scansync/client/native_client.h"

namespace scansync::interop {

struct RecordedEvent {
  std::string name;
  std::vector<std::string> args;  // raw JSON texts
};

struct ProbeRecord {
  std::vector<client::StatusInfo> statuses;
  std::vector<RecordedEvent> events;
  std::vector<std::string> transport_errors;
};

class ClientProbe {
 public:
  // Subscribes to status, transport errors, and each of `events`.
  void attach(client::NativeClient& client, const std::vector<std::string>& events);

  // True once `done(record)` holds; false at the deadline.
  bool wait(const std::function<bool(const ProbeRecord&)>& done, Deadline deadline);
  bool wait_status(client::Status status, Deadline deadline);
  bool wait_events(const std::string& name, std::size_t count, Deadline deadline);

  ProbeRecord snapshot() const;
  std::size_t count_status(client::Status status) const;
  std::vector<RecordedEvent> events_named(const std::string& name) const;

  // Records a value from any callback (e.g. an ack) under the probe's lock.
  void record(const std::function<void(ProbeRecord&)>& change);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  ProbeRecord record_;
};

}  // namespace scansync::interop
