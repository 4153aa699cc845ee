#pragma once
// The Socket.IO v5 layer of one Engine.IO session
// (docs/socket.io-protocol/v5-current.md; behaviour after socket.io
// lib/client.ts): namespace connections, the connect timeout, binary
// attachment reassembly, dispatch of events to the Application. Sans-I/O like
// the session below it.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/application.h"
#include "gateway/engine_session.h"
#include "gateway/rooms.h"

namespace scansync::gateway {

class SioClient;

// "4" + the encoded Socket.IO packet: one Engine.IO MESSAGE frame. `args` is
// the JSON text of the arguments after the event name (may be empty).
Frame encode_event(std::string_view nsp, std::string_view event, std::string_view args,
                   std::uint32_t attachments = 0);

// One namespace joined by one connection.
class SioSocket final : public RoomMember {
 public:
  SioSocket(SioClient& client, std::string nsp, std::string id) : client_(client), nsp_(std::move(nsp)), id_(std::move(id)) {}
  const std::string& nsp() const { return nsp_; }
  const std::string& id() const { return id_; }
  // The Engine.IO session carrying this socket (the sid of the log lines).
  const std::string& session_id() const;
  bool connected() const { return connected_; }

  std::string user;  // set by Application::authorize (the JWT subject)
  std::string auth;  // the CONNECT payload, "{}" when absent

  void emit(std::string_view event, std::string_view args, const std::vector<std::string>& attachments = {});
  void ack(std::uint64_t id, std::string_view args, const std::vector<std::string>& attachments = {});
  // A pre-encoded frame (room broadcast). Dropped once disconnected.
  void deliver(const Frame& frame) override;

 private:
  friend class SioClient;
  SioClient& client_;
  std::string nsp_;
  std::string id_;
  bool connected_ = false;
};

class SioClient final : public EngineUpper {
 public:
  // `engine` and `app` must outlive the client. `make_id` gives socket ids.
  // A CONNECT whose payload (the auth object) is longer than this is refused.
  static constexpr std::size_t kMaxConnectPayload = 8 * 1024;

  SioClient(EngineSession& engine, Application& app, HandshakeInfo handshake, Millis connect_timeout,
            TimePoint now, std::function<std::string()> make_id);
  ~SioClient() override;

  void on_message(std::string_view data, bool binary, TimePoint now) override;
  void on_close(std::string_view reason) override;
  std::optional<TimePoint> next_deadline() const override { return connect_deadline_; }
  void on_tick(TimePoint now) override;

  // Server shutdown: the session closes (every socket leaves), and clients
  // are expected to reconnect.
  void shutdown(std::string_view reason);

  EngineSession& engine() { return engine_; }
  SioSocket* socket(std::string_view nsp);
  std::size_t socket_count() const { return sockets_.size(); }
  // The user (SioSocket::user) of the last socket accepted on this
  // connection, kept after it left: the session's user in its close line.
  const std::string& user() const { return user_; }
  // Frees the sockets that left. Call it where no socket can be on the call
  // stack (the host does, from its pump): not from an Application callback.
  void release_departed() { departed_.clear(); }
  std::size_t departed_count() const { return departed_.size(); }

 private:
  void on_packet(std::string_view text, const std::vector<std::string>& attachments, TimePoint now);
  void connect(std::string_view nsp, std::string_view auth);
  void disconnect(std::map<std::string, std::unique_ptr<SioSocket>, std::less<>>::iterator it);
  void fail(std::string_view reason);

  EngineSession& engine_;
  Application& app_;
  HandshakeInfo handshake_;
  std::function<std::string()> make_id_;
  std::optional<TimePoint> connect_deadline_;
  std::map<std::string, std::unique_ptr<SioSocket>, std::less<>> sockets_;
  // Sockets that left stay alive until release_departed(): callers up the
  // stack (an event handler, a broadcast loop) may still hold them. The host
  // releases them after each input, so CONNECT/DISCONNECT cycles on one
  // connection keep nothing.
  std::vector<std::unique_ptr<SioSocket>> departed_;
  std::string user_;

  // A BINARY_EVENT/BINARY_ACK waits for its attachments.
  std::string pending_text_;
  std::uint32_t pending_expected_ = 0;
  std::vector<std::string> pending_attachments_;
};

}  // namespace scansync::gateway
