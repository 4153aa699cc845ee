// Names and the error category of the client vocabulary (types.h).
#include "scansync/client/types.h"

#include <string>

namespace scansync::client {

std::string_view to_string(Status s) {
  switch (s) {
    case Status::connecting: return "connecting";
    case Status::connected: return "connected";
    case Status::reconnecting: return "reconnecting";
    case Status::disconnected: return "disconnected";
  }
  return "unknown";
}

std::string_view to_string(DisconnectReason r) {
  switch (r) {
    case DisconnectReason::none: return "none";
    case DisconnectReason::user: return "user";
    case DisconnectReason::offline: return "offline";
    case DisconnectReason::background: return "background";
    case DisconnectReason::unauthorized: return "unauthorized";
    case DisconnectReason::gave_up: return "gave_up";
    case DisconnectReason::server: return "server";
  }
  return "unknown";
}

namespace {

class ClientCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.client"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ack_timeout: return "no acknowledgement before the ack timeout";
      case errc::dropped: return "dropped from the full outbound queue";
      case errc::not_connected: return "not connected and queueing is disabled";
      case errc::closed: return "the client was disconnected before the ack came";
      case errc::bad_arguments: return "the event arguments are not a JSON array";
      case errc::connection_lost: return "the connection closed before the ack came";
      case errc::too_large: return "the event is larger than the server's maxPayload";
    }
    return "unknown client error";
  }
};

}  // namespace

const std::error_category& category() {
  static const ClientCategory instance;
  return instance;
}

}  // namespace scansync::client
