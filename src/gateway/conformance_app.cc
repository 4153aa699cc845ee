#include "gateway/conformance_app.h"

#include "gateway/sio_client.h"

namespace scansync::gateway {

bool ConformanceApp::has_namespace(std::string_view nsp) const { return nsp == "/" || nsp == "/custom"; }

std::optional<std::string> ConformanceApp::authorize(SioSocket&, std::string_view, const HandshakeInfo&) {
  return std::nullopt;
}

void ConformanceApp::on_connect(SioSocket& socket) { socket.emit("auth", socket.auth); }

void ConformanceApp::on_event(SioSocket& socket, const IncomingEvent& event) {
  if (socket.nsp() != "/") return;
  static const std::vector<std::string> kNone;
  const auto& attachments = event.attachments ? *event.attachments : kNone;
  if (event.name == "message") {
    socket.emit("message-back", event.args_text, attachments);
  } else if (event.name == "message-with-ack" && event.ack_id) {
    socket.ack(*event.ack_id, event.args_text, attachments);
  }
}

void EngineEcho::on_message(std::string_view data, bool binary, TimePoint) {
  if (binary) {
    session_.send(binary_frame(std::string(data)));
  } else {
    std::string text = "4";
    text += data;
    session_.send(text_frame(std::move(text)));
  }
}

}  // namespace scansync::gateway
