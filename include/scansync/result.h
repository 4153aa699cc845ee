#pragma once
// Errors are values: every fallible call in scansync returns Result<T> (a value
// or a std::error_code), never throws across a module boundary.
#include <system_error>
#include <utility>
#include <variant>

namespace scansync {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                      // NOLINT: implicit by design
  Result(std::error_code ec) : v_(ec) {}                         // NOLINT
  template <class E, class = std::enable_if_t<std::is_error_code_enum_v<E>>>
  Result(E e) : v_(std::error_code(make_error_code(e))) {}      // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  std::error_code error() const { return ok() ? std::error_code{} : std::get<1>(v_); }

  // Precondition: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, std::error_code> v_;
};

}  // namespace scansync
