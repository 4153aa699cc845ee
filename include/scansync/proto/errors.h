#pragma once
// Protocol error codes shared by the codec, the client core and the gateway.
#include <system_error>

namespace scansync::proto {

enum class errc {
  empty_packet = 1,
  unknown_packet_type,
  malformed_packet,     // structure does not follow the spec
  malformed_json,       // payload is not valid JSON (or not the JSON shape required)
  bad_namespace,
  bad_ack_id,
  bad_attachments,
  binary_unsupported,   // binary attachments are decoded but not reassembled here
  payload_too_large,
  bad_base64,
};

const std::error_category& category();
inline std::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

}  // namespace scansync::proto

template <>
struct std::is_error_code_enum<scansync::proto::errc> : std::true_type {};
