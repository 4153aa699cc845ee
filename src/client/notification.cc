#include "notification.h"

#include "scansync/proto/json_text.h"

namespace scansync::client {

OwnedTexts OwnedTexts::copy_of(std::string_view name, const std::vector<std::string_view>& args) {
  std::size_t total = name.size();
  for (auto a : args) total += a.size();
  OwnedTexts out;
  out.storage = std::make_unique<std::string>();
  std::string& s = *out.storage;
  s.reserve(total);  // no reallocation below: the views are taken afterwards by offset
  s.append(name);
  for (auto a : args) s.append(a);
  std::size_t at = 0;
  out.name = std::string_view(s).substr(at, name.size());
  at += name.size();
  out.args.reserve(args.size());
  for (auto a : args) {
    out.args.push_back(std::string_view(s).substr(at, a.size()));
    at += a.size();
  }
  return out;
}

std::string error_json(std::string_view code, std::string_view message, std::string_view extra_members) {
  std::string out = "{\"code\":";
  out += json::quote(code);
  out += ",\"message\":";
  out += json::quote(message);
  if (!extra_members.empty()) {
    out += ',';
    out += extra_members;
  }
  out += '}';
  return out;
}

}  // namespace scansync::client
