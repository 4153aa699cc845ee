#include <string>

#include "scansync/device/network_monitor.h"

namespace scansync::device {
namespace {

class NetworkMonitorCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.network_monitor"; }
  std::string message(int ev) const override {
    switch (static_cast<network_monitor_errc>(ev)) {
      case network_monitor_errc::malformed_message: return "malformed netlink datagram";
      case network_monitor_errc::not_from_kernel: return "netlink datagram not sent by the kernel";
      case network_monitor_errc::dump_failed: return "the kernel refused the netlink dump requests";
      case network_monitor_errc::overrun: return "the kernel dropped netlink notifications";
    }
    return "unknown network monitor error";
  }
};

}  // namespace

const std::error_category& network_monitor_category() {
  static const NetworkMonitorCategory c;
  return c;
}

}  // namespace scansync::device
