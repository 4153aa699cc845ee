#pragma once
// Callbacks the core owes its user, recorded while an input is processed and
// delivered once the core's state is consistent (see ClientCore::Impl::settle).
// A notification owns copies of the texts it reports: the frame an event came
// from is gone by the time a re-entrant call delivers it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "scansync/client/types.h"

namespace scansync::client {

// `name` and `args` concatenated into one heap buffer whose address never
// changes (so the views stay valid when the owner moves).
struct OwnedTexts {
  std::unique_ptr<std::string> storage;
  std::string_view name;
  std::vector<std::string_view> args;

  static OwnedTexts copy_of(std::string_view name, const std::vector<std::string_view>& args);
};

struct StatusNote {
  StatusInfo info;
};

struct EventNote {
  OwnedTexts texts;
  std::optional<std::uint64_t> reply_ack_id;  // the server asked for an ack
  std::uint64_t session = 0;                  // the connection it arrived on
};

struct AckNote {
  AckHandler handler;
  std::error_code ec;
  OwnedTexts texts;  // args only
};

using Notification = std::variant<StatusNote, EventNote, AckNote>;

// {"code":...,"message":...} plus extra raw members (e.g. `"dropped":3`).
std::string error_json(std::string_view code, std::string_view message, std::string_view extra_members = {});

}  // namespace scansync::client
