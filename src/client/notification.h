#pragma once
// Callbacks the core owes its user, recorded while an input is processed and
// delivered once the core's state is consistent (see ClientCore::Impl::settle).
//
// A note's texts either borrow the frame being processed or own a copy. The
// common case (an event delivered by the settle() of the very input that
// received its frame) borrows: the frame outlives that settle(). Whatever is
// still queued when the frame's input returns (a re-entrant input, a handler
// that threw) is made to own its texts first (ClientCore::Impl::FrameLoan).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "scansync/client/types.h"

namespace scansync::client {

// An event name and arguments (or ack arguments): views into a frame
// (borrowed) or into one heap buffer of the note's own, whose address never
// changes, so the views stay valid when the note moves.
class NoteTexts {
 public:
  NoteTexts() = default;
  // Sets the texts in place: borrowed (the views must stay valid until own()
  // or until the note is delivered), or copied when `borrow` is false.
  void assign(std::string_view name, const std::vector<std::string_view>& args, bool borrow);

  // Copies borrowed texts into the note's own buffer; no-op once owned.
  void own();

  std::string_view name() const { return name_; }
  // Replaces `out`'s contents with the arguments (its capacity is reused).
  void args_into(std::vector<std::string_view>& out) const;

 private:
  static constexpr std::size_t kInlineArgs = 4;  // events carry one or two arguments
  void set_args(const std::vector<std::string_view>& args);
  std::string_view& arg(std::size_t i) { return i < kInlineArgs ? inline_[i] : more_[i - kInlineArgs]; }

  std::string_view name_;
  std::array<std::string_view, kInlineArgs> inline_{};
  std::vector<std::string_view> more_;  // arguments past kInlineArgs
  std::size_t count_ = 0;
  std::unique_ptr<char[]> storage_;
  bool borrowed_ = false;
};

struct StatusNote {
  StatusInfo info;
};

struct EventNote {
  NoteTexts texts;
  std::optional<std::uint64_t> reply_ack_id;  // the server asked for an ack
  std::uint64_t session = 0;                  // the connection it arrived on
};

struct AckNote {
  AckHandler handler;
  std::error_code ec;
  NoteTexts texts;  // args only
};

using Notification = std::variant<StatusNote, EventNote, AckNote>;

// FIFO of notifications that keeps its capacity: settle() drains it after
// every input, so a steady stream of events reuses the same slots instead of
// allocating per event.
class NoteQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  void push(Notification n) { items_.push_back(std::move(n)); }
  // A default-constructed T at the back, to fill in place (no moves).
  template <class T>
  T& emplace() {
    return std::get<T>(items_.emplace_back(std::in_place_type<T>));
  }
  // Precondition: !empty().
  Notification pop() {
    Notification n = std::move(items_[head_++]);
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    }
    return n;
  }
  // Keeps, in order, the notes for which keep(note) is true.
  template <class Pred>
  void keep_if(Pred keep) {
    std::vector<Notification> kept;
    for (std::size_t i = head_; i < items_.size(); ++i) {
      if (keep(items_[i])) kept.push_back(std::move(items_[i]));
    }
    items_.swap(kept);
    head_ = 0;
  }
  template <class F>
  void for_each(F f) {
    for (std::size_t i = head_; i < items_.size(); ++i) f(items_[i]);
  }

 private:
  std::vector<Notification> items_;
  std::size_t head_ = 0;  // items_[0, head_) were popped (moved from)
};

// {"code":...,"message":...} plus extra raw members (e.g. `"dropped":3`).
std::string error_json(std::string_view code, std::string_view message, std::string_view extra_members = {});

}  // namespace scansync::client
