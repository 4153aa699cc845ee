#include "scansync/proto/errors.h"

#include <string>

namespace scansync::proto {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "scansync.proto"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::empty_packet: return "empty packet";
      case errc::unknown_packet_type: return "unknown packet type";
      case errc::malformed_packet: return "malformed packet";
      case errc::malformed_json: return "malformed JSON payload";
      case errc::bad_namespace: return "bad namespace";
      case errc::bad_ack_id: return "bad acknowledgement id";
      case errc::bad_attachments: return "bad binary attachment count";
      case errc::binary_unsupported: return "binary attachments are not supported";
      case errc::payload_too_large: return "payload too large";
      case errc::bad_base64: return "bad base64";
    }
    return "unknown scansync.proto error";
  }
};

}  // namespace

const std::error_category& category() {
  static const Category instance;
  return instance;
}

}  // namespace scansync::proto
