#include "notification.h"

#include <cstring>

#include "scansync/proto/json_text.h"

namespace scansync::client {

void NoteTexts::set_args(const std::vector<std::string_view>& args) {
  count_ = args.size();
  if (count_ > kInlineArgs) more_.resize(count_ - kInlineArgs);
  for (std::size_t i = 0; i < count_; ++i) arg(i) = args[i];
}

void NoteTexts::assign(std::string_view name, const std::vector<std::string_view>& args, bool borrow) {
  storage_.reset();
  name_ = name;
  set_args(args);
  borrowed_ = true;
  if (!borrow) own();
}

void NoteTexts::own() {
  if (!borrowed_) return;
  std::size_t total = name_.size();
  for (std::size_t i = 0; i < count_; ++i) total += arg(i).size();
  storage_ = std::make_unique<char[]>(total == 0 ? 1 : total);
  char* at = storage_.get();
  auto copy = [&at](std::string_view& view) {
    if (!view.empty()) std::memcpy(at, view.data(), view.size());
    view = std::string_view(at, view.size());
    at += view.size();
  };
  copy(name_);
  for (std::size_t i = 0; i < count_; ++i) copy(arg(i));
  borrowed_ = false;
}

void NoteTexts::args_into(std::vector<std::string_view>& out) const {
  out.clear();
  for (std::size_t i = 0; i < count_; ++i) out.push_back(i < kInlineArgs ? inline_[i] : more_[i - kInlineArgs]);
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
