#pragma once
// NetlinkSession: the sans-I/O rtnetlink protocol behind LinuxNetworkMonitor.
// Datagrams in (receive), dump requests out (next_request), an answer
// (synced, online). The adapter owns the socket and the thread; tests feed
// hand-built datagrams.
//
// Why dumps, and when:
//   - At the start, a dump of the links, then of the routes (one dump at a
//     time: the kernel refuses a second on the same socket while one runs).
//     synced() stays false until both have completed.
//   - After an overrun (ENOBUFS: the kernel dropped notifications; or a
//     malformed datagram), both again, and synced() is false until they
//     complete: the state is known to be wrong, so no answer is given from it.
//   - After a link becomes usable or unusable, is deleted, or loses an
//     address, the routes again, answering from the current state meanwhile:
//     the kernel flushes the IPv4 routes of a link that goes admin-down or
//     loses its last address without sending RTM_DELROUTE, so only a dump
//     tells us they are gone (and a stale route would say "online" when the
//     link comes back up).
//
// Invariant (why a dump can be trusted although it is not atomic): the
// kernel queues notifications and dump replies on one socket in order. A
// dump of kind K is collected into a shadow copy that starts empty for K at
// the dump's first reply and from then on receives every message, dump or
// notification; at NLMSG_DONE the shadow becomes the state. Notifications
// queued before the first reply are applied to the live state only; the dump
// reflects them anyway. A dump marked NLM_F_DUMP_INTR (the table changed
// under it) is repeated.
//
// Replies are told from notifications by port id and sequence number: a
// notification caused by another process carries that process's pid and seq.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "network_monitor_netlink.h"
#include "network_monitor_state.h"

namespace scansync::device {

class NetlinkSession {
 public:
  // port_id: the socket's nl_pid (getsockname). first_seq: the first dump's
  // sequence number; a restarted monitor continues its predecessor's numbers
  // (next_seq()) so that late replies to an old dump are not taken for new.
  explicit NetlinkSession(std::uint32_t port_id, std::uint32_t first_seq = 1);

  // One datagram as received from the kernel. A malformed one is dropped
  // whole, counts as an overrun and returns malformed_message.
  std::error_code receive(std::span<const std::byte> datagram);
  // The kernel dropped notifications (recvmsg gave ENOBUFS, or a datagram
  // did not fit the buffer).
  void on_overrun();

  // The next dump request to send, if one is due and none is running. The
  // caller must send it (or give up on the session).
  std::optional<std::vector<std::byte>> next_request();

  // True once the state can be trusted: the initial dumps are done and no
  // overrun is being recovered from.
  bool synced() const { return !need_links_ && !need_routes_; }
  bool online() const { return live_.online(); }
  // Set when the session gives up: the kernel refused kMaxDumpFailures dumps
  // in a row (network_monitor_errc::dump_failed).
  std::error_code failure() const { return failure_; }

  std::uint32_t next_seq() const { return next_seq_; }
  std::size_t overruns() const { return overruns_; }
  const NetworkState& state() const { return live_; }

  static constexpr int kMaxDumpFailures = 3;

 private:
  enum class Kind { links, routes };
  struct Dump {
    Kind kind;
    std::uint32_t seq;
    bool started = false;      // a reply has arrived; shadow_ is live
    bool interrupted = false;  // NLM_F_DUMP_INTR seen
  };

  void on_dump_reply(const netlink::Message& m);
  void finish_dump(bool ok);
  void apply(const netlink::Message& m, bool from_dump);
  // True when a link became usable or unusable.
  static bool apply_to(NetworkState& s, const netlink::Message& m);
  bool is_reply(const netlink::Message& m) const;

  std::uint32_t port_id_;
  std::uint32_t next_seq_;
  std::uint32_t resync_from_seq_;  // dumps with seq >= this count towards synced()
  NetworkState live_;
  std::optional<NetworkState> shadow_;
  std::optional<Dump> active_;
  bool pending_links_ = true;
  bool pending_routes_ = true;
  bool need_links_ = true;
  bool need_routes_ = true;
  int dump_failures_ = 0;  // consecutive
  std::size_t overruns_ = 0;
  std::error_code failure_;
};

}  // namespace scansync::device
