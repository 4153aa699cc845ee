#include "harness/client_probe.h"

#include <algorithm>

namespace scansync::interop {

void ClientProbe::attach(client::NativeClient& client, const std::vector<std::string>& events) {
  client.on_status([this](const client::StatusInfo& s) { record([&](ProbeRecord& r) { r.statuses.push_back(s); }); });
  client.on_transport_error(
      [this](std::string_view why) { record([&](ProbeRecord& r) { r.transport_errors.emplace_back(why); }); });
  for (const auto& name : events) {
    client.on(name, [this](const client::Event& e) {
      RecordedEvent copy{std::string(e.name), {}};
      for (auto a : e.args) copy.args.emplace_back(a);
      record([&](ProbeRecord& r) { r.events.push_back(std::move(copy)); });
    });
  }
}

void ClientProbe::record(const std::function<void(ProbeRecord&)>& change) {
  {
    std::lock_guard lock(mutex_);
    change(record_);
  }
  changed_.notify_all();
}

bool ClientProbe::wait(const std::function<bool(const ProbeRecord&)>& done, Deadline deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return done(record_); });
}

bool ClientProbe::wait_status(client::Status status, Deadline deadline) {
  return wait([&](const ProbeRecord& r) { return !r.statuses.empty() && r.statuses.back().status == status; },
              deadline);
}

bool ClientProbe::wait_events(const std::string& name, std::size_t count, Deadline deadline) {
  return wait(
      [&](const ProbeRecord& r) {
        return static_cast<std::size_t>(std::count_if(r.events.begin(), r.events.end(),
                                                      [&](const RecordedEvent& e) { return e.name == name; })) >=
               count;
      },
      deadline);
}

ProbeRecord ClientProbe::snapshot() const {
  std::lock_guard lock(mutex_);
  return record_;
}

std::size_t ClientProbe::count_status(client::Status status) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(record_.statuses.begin(), record_.statuses.end(),
                                                [&](const client::StatusInfo& s) { return s.status == status; }));
}

std::vector<RecordedEvent> ClientProbe::events_named(const std::string& name) const {
  std::lock_guard lock(mutex_);
  std::vector<RecordedEvent> out;
  for (const auto& e : record_.events) {
    if (e.name == name) out.push_back(e);
  }
  return out;
}

}  // namespace scansync::interop
