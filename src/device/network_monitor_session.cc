#include "network_monitor_session.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <variant>

namespace scansync::device {

NetlinkSession::NetlinkSession(std::uint32_t port_id, std::uint32_t first_seq)
    : port_id_(port_id), next_seq_(first_seq == 0 ? 1 : first_seq), resync_from_seq_(next_seq_) {}

void NetlinkSession::on_overrun() {
  ++overruns_;
  pending_links_ = pending_routes_ = true;
  need_links_ = need_routes_ = true;
  // A dump already running may have missed the dropped notifications too.
  resync_from_seq_ = next_seq_;
}

std::optional<std::vector<std::byte>> NetlinkSession::next_request() {
  if (active_ || failure_) return std::nullopt;
  Kind kind;
  if (pending_links_) {
    kind = Kind::links;
    pending_links_ = false;
  } else if (pending_routes_) {
    kind = Kind::routes;
    pending_routes_ = false;
  } else {
    return std::nullopt;
  }
  const std::uint32_t seq = next_seq_++;
  if (next_seq_ == 0) next_seq_ = 1;  // 0 is what the kernel's own notifications carry
  active_ = Dump{kind, seq};
  return netlink::dump_request(kind == Kind::links ? RTM_GETLINK : RTM_GETROUTE, seq);
}

std::error_code NetlinkSession::receive(std::span<const std::byte> datagram) {
  auto messages = netlink::decode(datagram);
  if (!messages) {
    on_overrun();
    return messages.error();
  }
  for (const auto& m : *messages) {
    if (is_reply(m)) {
      on_dump_reply(m);
    } else if (m.pid == port_id_ && m.pid != 0) {
      continue;  // a late reply to a dump we no longer wait for
    } else if (std::holds_alternative<netlink::Error>(m.body) || m.type == NLMSG_OVERRUN) {
      continue;  // not ours (we send nothing but dumps)
    } else {
      apply(m, false);
    }
  }
  return {};
}

bool NetlinkSession::is_reply(const netlink::Message& m) const {
  return active_ && m.pid == port_id_ && m.seq == active_->seq;
}

void NetlinkSession::on_dump_reply(const netlink::Message& m) {
  if (const auto* err = std::get_if<netlink::Error>(&m.body)) {
    if (err->error != 0) finish_dump(false);
    return;  // an ack (error 0) ends nothing; dumps end with NLMSG_DONE
  }
  if (!active_->started) {
    active_->started = true;
    shadow_ = live_;
    if (active_->kind == Kind::links) {
      shadow_->clear_links();
    } else {
      shadow_->clear_routes();
    }
  }
  if (m.flags & NLM_F_DUMP_INTR) active_->interrupted = true;
  if (const auto* done = std::get_if<netlink::Done>(&m.body)) {
    finish_dump(done->error == 0);
    return;
  }
  apply(m, true);
}

void NetlinkSession::finish_dump(bool ok) {
  const Dump d = *active_;
  active_.reset();
  if (!ok) {
    shadow_.reset();
    // The errno (EBUSY, EINTR, ...) says nothing more useful than "try again".
    if (++dump_failures_ >= kMaxDumpFailures) {
      failure_ = network_monitor_errc::dump_failed;
      return;
    }
    (d.kind == Kind::links ? pending_links_ : pending_routes_) = true;
    return;
  }
  dump_failures_ = 0;
  live_ = std::move(*shadow_);
  shadow_.reset();
  if (d.interrupted) {
    (d.kind == Kind::links ? pending_links_ : pending_routes_) = true;
    return;
  }
  if (d.seq >= resync_from_seq_) (d.kind == Kind::links ? need_links_ : need_routes_) = false;
}

void NetlinkSession::apply(const netlink::Message& m, bool from_dump) {
  const bool usability_changed = apply_to(live_, m);
  if (shadow_) apply_to(*shadow_, m);
  if (from_dump) return;
  // Notifications after which the kernel may have flushed routes silently.
  if (usability_changed || m.type == RTM_DELLINK || m.type == RTM_DELADDR) pending_routes_ = true;
}

bool NetlinkSession::apply_to(NetworkState& s, const netlink::Message& m) {
  switch (m.type) {
    case RTM_NEWLINK: return s.put_link(std::get<netlink::Link>(m.body));
    case RTM_DELLINK: return s.remove_link(std::get<netlink::Link>(m.body).index);
    case RTM_NEWROUTE: s.put_route(std::get<netlink::Route>(m.body), (m.flags & NLM_F_REPLACE) != 0); return false;
    case RTM_DELROUTE: s.remove_route(std::get<netlink::Route>(m.body)); return false;
    default: return false;
  }
}

}  // namespace scansync::device
