#include "model/npy.h"

#include <bit>
#include <cctype>
#include <cstring>

#include "model/errors.h"
#include "model/file_io.h"

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace effnet {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

// The value text that follows 'key': in the header dict, up to the next ',' or '}'
// at nesting depth 0 (so a shape tuple stays whole).
std::string dict_value(const std::string& path, const std::string& header, const std::string& key) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) k = header.find("\"" + key + "\"");
  if (k == std::string::npos) throw FileError(path + ": npy header has no '" + key + "' key");
  size_t p = header.find(':', k + key.size() + 2);
  if (p == std::string::npos) throw FileError(path + ": npy header is malformed near '" + key + "'");
  ++p;
  int depth = 0;
  size_t q = p;
  for (; q < header.size(); ++q) {
    const char c = header[q];
    if (c == '(' || c == '[') ++depth;
    if (c == ')' || c == ']') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
  }
  if (depth != 0 || q == header.size())
    throw FileError(path + ": npy header is malformed near '" + key + "'");
  std::string v = header.substr(p, q - p);
  const auto first = v.find_first_not_of(" \t");
  const auto last = v.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : v.substr(first, last - first + 1);
}

std::vector<int64_t> parse_shape(const std::string& path, const std::string& v) {
  if (v.size() < 2 || v.front() != '(' || v.back() != ')') {
    throw FileError(path + ": npy shape '" + v + "' is not a tuple");
  }
  std::vector<int64_t> shape;
  size_t i = 1;
  while (i + 1 < v.size()) {
    while (i + 1 < v.size() && (v[i] == ' ' || v[i] == ',')) ++i;
    if (i + 1 >= v.size()) break;
    if (!std::isdigit(static_cast<unsigned char>(v[i])))
      throw FileError(path + ": npy shape '" + v + "' is malformed");
    int64_t d = 0;
    while (i + 1 < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
      d = d * 10 + (v[i] - '0');
      if (d > (int64_t(1) << 40)) throw FileError(path + ": npy shape '" + v + "' is too large");
      ++i;
    }
    shape.push_back(d);
  }
  return shape;
}

}  // namespace

Tensor load_npy(const std::string& path) {
  const std::vector<unsigned char> b = read_file_bytes(path);
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

  const std::string descr = dict_value(path, header, "descr");
  if (descr != "'<f4'" && descr != "\"<f4\"") {
    throw FileError(path + ": npy dtype " + descr + " is not supported (only '<f4', float32 little-endian)");
  }
  const std::string fortran = dict_value(path, header, "fortran_order");
  if (fortran == "True") throw FileError(path + ": npy fortran_order True is not supported (C order only)");
  if (fortran != "False") throw FileError(path + ": npy fortran_order '" + fortran + "' is malformed");

  Tensor t;
  t.shape = parse_shape(path, dict_value(path, header, "shape"));
  const uint64_t want = uint64_t(t.numel()) * 4;
  const uint64_t have = b.size() - hstart - hlen;
  if (have != want) {
    throw FileError(path + ": npy data is " + std::to_string(have) + " bytes, shape " + shape_str(t.shape) +
                    " of float32 needs " + std::to_string(want) + (have < want ? " (truncated)" : ""));
  }
  t.data.resize(size_t(t.numel()));
  if (want) std::memcpy(t.data.data(), b.data() + hstart + hlen, want);
  return t;
}

void save_npy(const std::string& path, const Tensor& t) {
  if (t.data.size() != size_t(t.numel())) {
    throw ShapeError(path + ": tensor has " + std::to_string(t.data.size()) + " values but shape " +
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
  write_file_bytes(path, out);
}

}  // namespace effnet
