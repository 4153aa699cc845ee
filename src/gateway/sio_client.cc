#include "gateway/sio_client.h"

#include "scansync/proto/json_text.h"
#include "scansync/proto/socket_io.h"

namespace scansync::gateway {
namespace {

Frame encode_frame(const sio::PacketView& p) {
  std::string text = "4";
  text += sio::encode(p);
  return text_frame(std::move(text));
}

std::string wrap_array(std::string_view args) {
  std::string data;
  data.reserve(args.size() + 2);
  data.push_back('[');
  data += args;
  data.push_back(']');
  return data;
}

}  // namespace

Frame encode_event(std::string_view nsp, std::string_view event, std::string_view args, std::uint32_t attachments) {
  std::string data = "[";
  data += json::quote(event);
  if (!args.empty()) {
    data.push_back(',');
    data += args;
  }
  data.push_back(']');
  sio::PacketView p;
  p.type = attachments ? sio::PacketType::binary_event : sio::PacketType::event;
  p.nsp = nsp;
  p.data = data;
  p.attachments = attachments;
  return encode_frame(p);
}

void SioSocket::emit(std::string_view event, std::string_view args, const std::vector<std::string>& attachments) {
  if (!connected_) return;
  client_.engine().send(encode_event(nsp_, event, args, static_cast<std::uint32_t>(attachments.size())));
  for (const auto& a : attachments) client_.engine().send(binary_frame(a));
}

void SioSocket::ack(std::uint64_t id, std::string_view args, const std::vector<std::string>& attachments) {
  if (!connected_) return;
  std::string data = wrap_array(args);
  sio::PacketView p;
  p.type = attachments.empty() ? sio::PacketType::ack : sio::PacketType::binary_ack;
  p.nsp = nsp_;
  p.id = id;
  p.data = data;
  p.attachments = static_cast<std::uint32_t>(attachments.size());
  client_.engine().send(encode_frame(p));
  for (const auto& a : attachments) client_.engine().send(binary_frame(a));
}

void SioSocket::deliver(const Frame& frame) {
  if (connected_) client_.engine().send(frame);
}

SioClient::SioClient(EngineSession& engine, Application& app, HandshakeInfo handshake, Millis connect_timeout,
                     TimePoint now, std::function<std::string()> make_id)
    : engine_(engine),
      app_(app),
      handshake_(std::move(handshake)),
      make_id_(std::move(make_id)),
      connect_deadline_(now + connect_timeout) {}

SioClient::~SioClient() {
  // Rooms hold raw pointers to sockets: every socket leaves before it dies.
  for (auto& [nsp, s] : sockets_) {
    s->connected_ = false;
    app_.on_disconnect(*s);
  }
}

const std::string& SioSocket::session_id() const { return client_.engine().sid(); }

SioSocket* SioClient::socket(std::string_view nsp) {
  auto it = sockets_.find(nsp);
  return it == sockets_.end() ? nullptr : it->second.get();
}

void SioClient::fail(std::string_view reason) { engine_.close(reason); }

void SioClient::on_message(std::string_view data, bool binary, TimePoint now) {
  if (binary) {
    if (pending_expected_ == 0) return fail("parse error");  // binary data outside a packet
    pending_attachments_.emplace_back(data);
    if (pending_attachments_.size() < pending_expected_) return;
    std::string text = std::move(pending_text_);
    std::vector<std::string> attachments = std::move(pending_attachments_);
    pending_text_.clear();
    pending_attachments_.clear();
    pending_expected_ = 0;
    on_packet(text, attachments, now);
    return;
  }
  if (pending_expected_ != 0) return fail("parse error");  // text while attachments were due
  auto packet = sio::decode(data);
  if (!packet) return fail("parse error");
  if (packet->attachments > 0) {
    // sio::decode already bounds attachments to sio::kMaxAttachments.
    pending_text_ = std::string(data);
    pending_expected_ = packet->attachments;
    return;
  }
  on_packet(data, {}, now);
}

void SioClient::on_packet(std::string_view text, const std::vector<std::string>& attachments, TimePoint now) {
  auto decoded = sio::decode(text);
  if (!decoded) return fail("parse error");
  const sio::PacketView& p = *decoded;
  auto it = sockets_.find(p.nsp);
  if (it == sockets_.end()) {
    if (p.type == sio::PacketType::connect) return connect(p.nsp, p.data);
    return fail("invalid state");  // a packet for a namespace never joined
  }
  switch (p.type) {
    case sio::PacketType::connect:
    case sio::PacketType::connect_error:
      return fail("invalid state");
    case sio::PacketType::event:
    case sio::PacketType::binary_event: {
      auto elements = json::split_array(p.data);
      if (!elements || elements->empty()) return fail("parse error");
      auto name = json::unquote(elements->front());
      if (!name) return fail("parse error");
      IncomingEvent ev;
      ev.name = *name;
      ev.args.assign(elements->begin() + 1, elements->end());
      if (!ev.args.empty()) {
        const char* first = ev.args.front().data();
        const char* last = ev.args.back().data() + ev.args.back().size();
        ev.args_text = std::string_view(first, static_cast<std::size_t>(last - first));
      }
      ev.ack_id = p.id;
      ev.attachments = &attachments;
      ev.now = now;
      app_.on_event(*it->second, ev);
      return;
    }
    case sio::PacketType::ack:
    case sio::PacketType::binary_ack:
      return;  // the server never asks for acks: nothing waits for one
    case sio::PacketType::disconnect:
      return disconnect(it);
  }
}

void SioClient::connect(std::string_view nsp, std::string_view auth) {
  sio::PacketView reply;
  reply.nsp = nsp;
  if (!app_.has_namespace(nsp)) {
    reply.type = sio::PacketType::connect_error;
    reply.data = R"({"message":"Invalid namespace"})";
    engine_.send(encode_frame(reply));
    return;
  }
  if (auth.size() > kMaxConnectPayload) {
    // Refused before anything is copied or parsed; the client may retry.
    reply.type = sio::PacketType::connect_error;
    reply.data = R"({"message":"auth too large","data":{"code":"auth_too_large"}})";
    engine_.send(encode_frame(reply));
    return;
  }
  auto s = std::make_unique<SioSocket>(*this, std::string(nsp), make_id_());
  s->auth = auth.empty() ? "{}" : std::string(auth);
  if (auto refusal = app_.authorize(*s, auth, handshake_)) {
    // The connection stays open: the client may retry CONNECT (a fresh
    // token) until the connect timeout.
    reply.type = sio::PacketType::connect_error;
    reply.data = *refusal;
    engine_.send(encode_frame(reply));
    return;
  }
  connect_deadline_.reset();
  engine_.admit();
  user_ = s->user;
  s->connected_ = true;
  SioSocket& socket = *s;
  sockets_.emplace(std::string(nsp), std::move(s));
  std::string data = "{\"sid\":" + json::quote(socket.id()) + "}";
  reply.type = sio::PacketType::connect;
  reply.data = data;
  engine_.send(encode_frame(reply));
  app_.on_connect(socket);
}

void SioClient::disconnect(std::map<std::string, std::unique_ptr<SioSocket>, std::less<>>::iterator it) {
  std::unique_ptr<SioSocket> s = std::move(it->second);
  sockets_.erase(it);
  s->connected_ = false;
  app_.on_disconnect(*s);
  departed_.push_back(std::move(s));
}

void SioClient::on_close(std::string_view) {
  connect_deadline_.reset();
  pending_text_.clear();
  pending_attachments_.clear();
  pending_expected_ = 0;
  while (!sockets_.empty()) disconnect(sockets_.begin());
}

void SioClient::on_tick(TimePoint now) {
  if (connect_deadline_ && now >= *connect_deadline_) {
    connect_deadline_.reset();
    if (sockets_.empty()) fail("connect timeout");
  }
}

void SioClient::shutdown(std::string_view reason) {
  // Like the reference server's close(): the sockets end without a
  // DISCONNECT packet, so clients see a transport close and reconnect
  // (a DISCONNECT would tell them the server does not want them back).
  engine_.close(reason);
}

}  // namespace scansync::gateway
