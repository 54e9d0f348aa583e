#include "model/npy.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <span>

#include "model/errors.h"
#include "model/file_io.h"

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace effnet {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

// The header dict, parsed as Python literal syntax restricted to what numpy
// writes: {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 240, 240), }
// with the three keys each exactly once, in any order, and nothing else; the
// shape a tuple of non-negative integers ("(3,)" for one dimension, "()" for a
// scalar). numpy reads the header with ast.literal_eval and then requires exactly
// these keys; a repeated key, which literal_eval resolves silently, is an error here.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& path, const std::string& text) : path_(path), s_(text) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_ws();
    expect('{');
    skip_ws();
    while (peek() != '}') {
      const std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        once(have_descr, key);
        h.descr = string_literal();
      } else if (key == "fortran_order") {
        once(have_fortran, key);
        h.fortran_order = boolean();
      } else if (key == "shape") {
        once(have_shape, key);
        h.shape = tuple();
      } else {
        fail("unexpected key '" + key + "' (only descr, fortran_order, shape)");
      }
      skip_ws();
      if (peek() == ',') {
        ++i_;
        skip_ws();
      } else if (peek() != '}') {
        fail("expected ',' or '}' after the value of '" + key + "'");
      }
    }
    ++i_;
    skip_ws();
    if (i_ != s_.size()) fail("unexpected text after the header dict");
    if (!have_descr) fail("no 'descr' key");
    if (!have_fortran) fail("no 'fortran_order' key");
    if (!have_shape) fail("no 'shape' key");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FileError(path_ + ": npy header is malformed at byte " + std::to_string(i_) + ": " + what);
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  void once(bool& seen, const std::string& key) {
    if (seen) fail("key '" + key + "' appears twice");
    seen = true;
  }
  // 'text' or "text", printable ASCII without backslashes.
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const size_t start = ++i_;
    while (i_ < s_.size() && s_[i_] != q) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c < 0x20 || c > 0x7e || c == '\\') fail("unsupported character in a string");
      ++i_;
    }
    if (i_ == s_.size()) fail("unterminated string");
    return s_.substr(start, i_++ - start);
  }
  bool word(const char* w) {
    const size_t n = std::strlen(w);
    if (s_.compare(i_, n, w) != 0) return false;
    const char after = i_ + n < s_.size() ? s_[i_ + n] : '\0';
    if (std::isalnum(static_cast<unsigned char>(after)) || after == '_') return false;
    i_ += n;
    return true;
  }
  bool boolean() {
    if (word("True")) return true;
    if (word("False")) return false;
    fail("fortran_order must be True or False");
  }
  // Python tuple of decimal integers: "()", "(3,)", "(1, 2)", "(1, 2,)".
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    bool trailing_comma = false;
    skip_ws();
    while (peek() != ')') {
      dims.push_back(integer());
      skip_ws();
      trailing_comma = peek() == ',';
      if (trailing_comma) {
        ++i_;
        skip_ws();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
    ++i_;
    if (dims.size() == 1 && !trailing_comma) fail("shape (n) is not a tuple: write (n,)");
    return dims;
  }
  int64_t integer() {
    if (!std::isdigit(static_cast<unsigned char>(peek())))
      fail("shape entries must be non-negative integers");
    if (peek() == '0' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1]))) {
      fail("integer with a leading zero");
    }
    int64_t v = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[i_] - '0', &v)) {
        fail("shape entry does not fit in 64 bits");
      }
      ++i_;
    }
    return v;
  }

  const std::string& path_;
  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

Tensor load_npy(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file_bytes(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

Tensor parse_npy(const unsigned char* data, size_t size, const std::string& path) {
  const std::span<const unsigned char> b(data, size);
  if (b.size() < kMagicLen + 2 || std::memcmp(b.data(), kMagic, kMagicLen) != 0) {
    throw FileError(path + ": not a .npy file (bad magic)");
  }
  const int major = b[6];
  size_t hlen = 0, hstart = 0;
  if (major == 1) {
    if (b.size() < 10) throw FileError(path + ": truncated npy header");
    hlen = size_t(b[8]) | size_t(b[9]) << 8;
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw FileError(path + ": truncated npy header");
    hlen = size_t(b[8]) | size_t(b[9]) << 8 | size_t(b[10]) << 16 | size_t(b[11]) << 24;
    hstart = 12;
  } else {
    throw FileError(path + ": unsupported npy format version " + std::to_string(major));
  }
  if (hlen > b.size() - hstart) throw FileError(path + ": truncated npy header");
  const std::string header(reinterpret_cast<const char*>(b.data() + hstart), hlen);

  const NpyHeader h = HeaderParser(path, header).parse();
  if (h.descr != "<f4") {
    throw FileError(path + ": npy dtype '" + h.descr +
                    "' is not supported (only '<f4', float32 little-endian)");
  }
  if (h.fortran_order) throw FileError(path + ": npy fortran_order True is not supported (C order only)");

  Tensor t;
  t.shape = h.shape;
  uint64_t want = 4;  // bytes of data the shape needs, checked: a shape's product may not wrap
  for (const int64_t d : t.shape) {
    if (__builtin_mul_overflow(want, uint64_t(d), &want) || want > kMaxFileBytes) {
      throw FileError(path + ": npy shape " + shape_str(t.shape) + " is too large (more than " +
                      std::to_string(kMaxFileBytes) + " bytes of float32)");
    }
  }
  const uint64_t have = b.size() - hstart - hlen;
  if (have != want) {
    throw FileError(path + ": npy data is " + std::to_string(have) + " bytes, shape " + shape_str(t.shape) +
                    " of float32 needs " + std::to_string(want) + (have < want ? " (truncated)" : ""));
  }
  t.data.resize(size_t(t.numel()));
  if (want) std::memcpy(t.data.data(), b.data() + hstart + hlen, want);
  return t;
}

std::vector<unsigned char> npy_bytes(const Tensor& t) {
  if (t.data.size() != size_t(t.numel())) {
    throw ShapeError("npy: tensor has " + std::to_string(t.data.size()) + " values but shape " +
                     shape_str(t.shape));
  }
  // Python tuple syntax: "()", "(3,)", "(1, 3, 240, 240)".
  std::string shape = "(";
  for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape[i]);
  shape += t.shape.size() == 1 ? ",)" : ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that magic + version + length + header is a multiple of 64, ending in '\n'.
  while ((kMagicLen + 4 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<unsigned char> out(kMagicLen + 4 + header.size() + t.data.size() * 4);
  std::memcpy(out.data(), kMagic, kMagicLen);
  out[6] = 1;
  out[7] = 0;
  out[8] = uint8_t(header.size() & 0xff);
  out[9] = uint8_t(header.size() >> 8);
  std::memcpy(out.data() + 10, header.data(), header.size());
  if (!t.data.empty()) std::memcpy(out.data() + 10 + header.size(), t.data.data(), t.data.size() * 4);
  return out;
}

void save_npy(const std::string& path, const Tensor& t) {
  if (t.data.size() != size_t(t.numel())) {
    throw ShapeError(path + ": tensor has " + std::to_string(t.data.size()) + " values but shape " +
                     shape_str(t.shape));
  }
  write_file_bytes(path, npy_bytes(t));
}

}  // namespace effnet
