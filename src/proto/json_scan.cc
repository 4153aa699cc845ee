#include "json_scan.h"

#include <bit>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__GNUC__)
#define SCANSYNC_ALWAYS_INLINE [[gnu::always_inline]]
#else
#define SCANSYNC_ALWAYS_INLINE
#endif

namespace scansync::json::detail {

namespace {

// Byte classes inside a string literal. kPlain bytes need no attention, so
// the scanner skips runs of them.
enum ByteClass : std::uint8_t { kPlain = 0, kQuote, kBackslash, kControl, kNonAscii };

struct ByteClassTable {
  std::uint8_t v[256];
  constexpr ByteClassTable() : v{} {
    for (int c = 0; c < 256; ++c) {
      v[c] = c < 0x20 ? kControl : c >= 0x80 ? kNonAscii : c == '"' ? kQuote : c == '\\' ? kBackslash : kPlain;
    }
  }
};
constexpr ByteClassTable kTable;

inline std::uint8_t cls(char c) { return kTable.v[static_cast<unsigned char>(c)]; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool in(unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; }

// One bit per open container (1 = object). The first 256 levels live inline
// so the common case never allocates; deeper nesting (only reachable when a
// caller raises max_depth) spills to the heap.
class NestingStack {
 public:
  std::size_t depth() const { return depth_; }
  bool empty() const { return depth_ == 0; }
  void push(bool is_object) {
    const std::size_t word = depth_ / 64, bit = depth_ % 64;
    std::uint64_t* w;
    if (word < kInlineWords) {
      w = &inline_[word];
    } else {
      if (heap_.size() <= word - kInlineWords) heap_.resize(word - kInlineWords + 1);
      w = &heap_[word - kInlineWords];
    }
    if (is_object) *w |= (std::uint64_t{1} << bit); else *w &= ~(std::uint64_t{1} << bit);
    ++depth_;
  }
  void pop() { --depth_; }
  bool top_is_object() const {
    const std::size_t i = depth_ - 1, word = i / 64, bit = i % 64;
    const std::uint64_t w = word < kInlineWords ? inline_[word] : heap_[word - kInlineWords];
    return (w >> bit) & 1;
  }

 private:
  static constexpr std::size_t kInlineWords = 4;
  std::uint64_t inline_[kInlineWords] = {};
  std::vector<std::uint64_t> heap_;
  std::size_t depth_ = 0;
};

SCANSYNC_ALWAYS_INLINE inline const char* plain_run(const char* p, const char* end) {
#if defined(__SSE2__)
  // Sixteen bytes at a time. The signed compare "< 0x20" catches control
  // characters and every byte >= 0x80 (negative as int8) at once.
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                      _mm_cmplt_epi8(v, space));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (mask != 0) return p + std::countr_zero(mask);
    p += 16;
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    // Eight bytes at a time (SWAR). Each mask flags the bytes of one kind;
    // borrows can only flag bytes above a true match, so the lowest flagged
    // byte of the union is the first byte that is not plain.
    constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    auto zero_bytes = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const std::uint64_t stop = zero_bytes(w ^ (kOnes * '"')) | zero_bytes(w ^ (kOnes * '\\')) |
                                 ((w - kOnes * 0x20) & ~w & kHigh)  // < 0x20
                                 | (w & kHigh);                      // >= 0x80
      if (stop != 0) return p + (std::countr_zero(stop) >> 3);
      p += 8;
    }
  }
  while (p != end && cls(*p) == kPlain) ++p;
  return p;
}

SCANSYNC_ALWAYS_INLINE inline const char* string_run(const char* p, const char* end) {
  ++p;  // opening quote
  for (;;) {
    p = plain_run(p, end);
    if (p == end) return nullptr;
    if (*p == '"') return p + 1;  // the usual end: no escape, all ASCII
    switch (cls(*p)) {
      case kQuote:
        return p + 1;
      case kBackslash:
        if (++p == end) return nullptr;
        switch (*p) {
          case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            ++p;
            break;
          case 'u':
            if (end - p < 5 || read_hex4(p + 1) < 0) return nullptr;
            p += 5;
            break;
          default:
            return nullptr;
        }
        break;
      case kNonAscii:
        p = skip_utf8(p, end);
        if (p == nullptr) return nullptr;
        break;
      default:  // raw control character
        return nullptr;
    }
  }
}

const char* skip_number(const char* p, const char* end) {
  if (*p == '-' && ++p == end) return nullptr;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (++p != end && is_digit(*p)) {}
  } else {
    return nullptr;
  }
  if (p != end && *p == '.') {
    if (++p == end || !is_digit(*p)) return nullptr;
    while (++p != end && is_digit(*p)) {}
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    if (++p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !is_digit(*p)) return nullptr;
    while (++p != end && is_digit(*p)) {}
  }
  return p;
}

const char* skip_literal(const char* p, const char* end, const char* word, std::size_t n) {
  if (static_cast<std::size_t>(end - p) < n || std::memcmp(p, word, n) != 0) return nullptr;
  return p + n;
}

// `p` is where an object member is expected: "key" ws ':' ws.
SCANSYNC_ALWAYS_INLINE inline const char* skip_member_key(const char* p, const char* end) {
  if (p == end || *p != '"') return nullptr;
  p = string_run(p, end);
  if (p == nullptr) return nullptr;
  if (p != end && *p == ':') return skip_ws(p + 1, end);  // compact JSON: no space before ':'
  p = skip_ws(p, end);
  if (p == end || *p != ':') return nullptr;
  return skip_ws(p + 1, end);
}

}  // namespace

int read_hex4(const char* p) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

const char* skip_utf8(const char* p, const char* end) {
  const auto b0 = static_cast<unsigned char>(p[0]);
  const std::ptrdiff_t left = end - p;
  auto cont = [&](int i) { return i < left && in(static_cast<unsigned char>(p[i]), 0x80, 0xBF); };
  if (in(b0, 0xC2, 0xDF)) return cont(1) ? p + 2 : nullptr;
  if (in(b0, 0xE0, 0xEF)) {
    if (left < 3) return nullptr;
    const auto b1 = static_cast<unsigned char>(p[1]);
    const bool ok1 = b0 == 0xE0 ? in(b1, 0xA0, 0xBF) : b0 == 0xED ? in(b1, 0x80, 0x9F) : in(b1, 0x80, 0xBF);
    return ok1 && cont(2) ? p + 3 : nullptr;
  }
  if (in(b0, 0xF0, 0xF4)) {
    if (left < 4) return nullptr;
    const auto b1 = static_cast<unsigned char>(p[1]);
    const bool ok1 = b0 == 0xF0 ? in(b1, 0x90, 0xBF) : b0 == 0xF4 ? in(b1, 0x80, 0x8F) : in(b1, 0x80, 0xBF);
    return ok1 && cont(2) && cont(3) ? p + 4 : nullptr;
  }
  return nullptr;  // continuation byte, C0/C1 overlong lead, or F5..FF
}

const char* skip_plain(const char* p, const char* end) { return plain_run(p, end); }

const char* skip_string(const char* p, const char* end) { return string_run(p, end); }

const char* skip_value(const char* p, const char* end, std::size_t max_depth) {
  NestingStack stack;
  bool in_object = false;  // the innermost open container is an object (cached stack top)
  for (;;) {
    // A value starts at p.
    if (p == end) return nullptr;
    if (*p == '"') {  // the most common value: no jump table for it
      p = string_run(p, end);
      if (p == nullptr) return nullptr;
    } else {
      switch (*p) {
      case '{':
        if (stack.depth() >= max_depth) return nullptr;
        p = skip_ws(p + 1, end);
        if (p != end && *p == '}') {
          ++p;
          break;
        }
        stack.push(true);
        in_object = true;
        p = skip_member_key(p, end);
        if (p == nullptr) return nullptr;
        continue;
      case '[':
        if (stack.depth() >= max_depth) return nullptr;
        p = skip_ws(p + 1, end);
        if (p != end && *p == ']') {
          ++p;
          break;
        }
        stack.push(false);
        in_object = false;
        continue;
      case 't': p = skip_literal(p, end, "true", 4); break;
      case 'f': p = skip_literal(p, end, "false", 5); break;
      case 'n': p = skip_literal(p, end, "null", 4); break;
      default: p = skip_number(p, end); break;
      }
    }
    if (p == nullptr) return nullptr;
    // A value ended at p: close finished containers, or step to the next element.
    for (;;) {
      if (stack.empty()) return p;
      p = skip_ws(p, end);
      if (p == end) return nullptr;
      if (*p == ',') {
        p = skip_ws(p + 1, end);
        if (in_object && (p = skip_member_key(p, end)) == nullptr) return nullptr;
        break;
      }
      if (*p != (in_object ? '}' : ']')) return nullptr;
      ++p;
      stack.pop();
      in_object = !stack.empty() && stack.top_is_object();
    }
  }
}

const char* skip_array_elements(const char* p, const char* end, std::size_t max_depth,
                                std::vector<std::string_view>& elements) {
  if (max_depth == 0) return nullptr;
  p = skip_ws(p + 1, end);
  if (p != end && *p == ']') return p + 1;
  for (;;) {
    const char* const start = p;
    // A string (an event name) needs none of skip_value's container machinery.
    p = p != end && *p == '"' ? string_run(p, end) : skip_value(p, end, max_depth - 1);
    if (p == nullptr) return nullptr;
    elements.emplace_back(start, static_cast<std::size_t>(p - start));
    p = skip_ws(p, end);
    if (p == end) return nullptr;
    if (*p == ']') return p + 1;
    if (*p != ',') return nullptr;
    p = skip_ws(p + 1, end);
  }
}

}  // namespace scansync::json::detail
