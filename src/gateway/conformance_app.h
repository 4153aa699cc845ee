#pragma once
// The reference behaviour that the Socket.IO v5 protocol test suite expects
// (docs/socket.io-protocol/v5-current.md, "Test suite"): namespaces "/" and
// "/custom"; every socket is sent "auth" with its CONNECT payload; on "/",
// "message" is echoed as "message-back" and "message-with-ack" is acked with
// its own arguments (binary attachments included).
#include "gateway/application.h"
#include "gateway/engine_session.h"

namespace scansync::gateway {

class ConformanceApp final : public Application {
 public:
  bool has_namespace(std::string_view nsp) const override;
  std::optional<std::string> authorize(SioSocket& socket, std::string_view auth, const HandshakeInfo& handshake) override;
  void on_connect(SioSocket& socket) override;
  void on_event(SioSocket& socket, const IncomingEvent& event) override;
  void on_disconnect(SioSocket&) override {}
};

// The Engine.IO v4 test suite's reference: every message is sent back as is.
class EngineEcho final : public EngineUpper {
 public:
  explicit EngineEcho(EngineSession& session) : session_(session) {}
  void on_message(std::string_view data, bool binary, TimePoint now) override;
  void on_close(std::string_view) override {}

 private:
  EngineSession& session_;
};

}  // namespace scansync::gateway
