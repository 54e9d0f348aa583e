#include "model/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "model/errors.h"
#include "model/file_io.h"
#include "model/half.h"

static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

namespace effnet {
namespace {

struct DTypeInfo {
  const char* name;
  DType dtype;
  int itemsize;
};

// Every dtype of the safetensors format; the ones without their own DType enum
// value are kept as Other (shape only).
constexpr DTypeInfo kDTypes[] = {
    {"F32", DType::F32, 4},   {"F16", DType::F16, 2},       {"BF16", DType::BF16, 2},
    {"F64", DType::F64, 8},   {"I64", DType::I64, 8},       {"I32", DType::I32, 4},
    {"I16", DType::I16, 2},   {"I8", DType::I8, 1},         {"U8", DType::U8, 1},
    {"BOOL", DType::Bool, 1}, {"U16", DType::Other, 2},     {"U32", DType::Other, 4},
    {"U64", DType::Other, 8}, {"F8_E4M3", DType::Other, 1}, {"F8_E5M2", DType::Other, 1},
};

const DTypeInfo* find_dtype(const std::string& s) {
  for (const auto& d : kDTypes)
    if (s == d.name) return &d;
  return nullptr;
}

struct Entry {
  std::string name;
  const DTypeInfo* dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

// Reads a non-negative integer from a JSON value (nlohmann parses those as
// unsigned), or throws FileError(fail).
uint64_t json_uint(const nlohmann::json& v, const std::string& fail) {
  if (!v.is_number_unsigned()) throw FileError(fail);
  return v.get<uint64_t>();
}

Entry parse_entry(const std::string& path, const std::string& name, const nlohmann::json& e) {
  const std::string where = path + ": tensor '" + name + "': ";
  if (!e.is_object()) throw FileError(where + "header entry is not an object");
  if (!e.contains("dtype") || !e["dtype"].is_string()) throw FileError(where + "missing or non-string dtype");
  if (!e.contains("shape") || !e["shape"].is_array()) throw FileError(where + "missing or non-array shape");
  if (!e.contains("data_offsets") || !e["data_offsets"].is_array() || e["data_offsets"].size() != 2) {
    throw FileError(where + "data_offsets must be an array [begin, end]");
  }
  Entry out;
  out.name = name;
  const std::string ds = e["dtype"].get<std::string>();
  out.dtype = find_dtype(ds);
  if (!out.dtype) throw FileError(where + "unknown dtype '" + ds + "'");
  uint64_t numel = 1;
  for (const auto& d : e["shape"]) {
    const uint64_t v = json_uint(d, where + "shape entries must be non-negative integers");
    if (v > uint64_t(std::numeric_limits<int64_t>::max()) || (v != 0 && numel > (uint64_t(1) << 48) / v)) {
      throw FileError(where + "shape too large");
    }
    numel *= v;
    out.shape.push_back(int64_t(v));
  }
  out.begin = json_uint(e["data_offsets"][0], where + "data_offsets must be non-negative integers");
  out.end = json_uint(e["data_offsets"][1], where + "data_offsets must be non-negative integers");
  if (out.end < out.begin) {
    throw FileError(where + "data_offsets [" + std::to_string(out.begin) + ", " + std::to_string(out.end) +
                    ") are reversed");
  }
  const uint64_t want = numel * uint64_t(out.dtype->itemsize);
  if (out.end - out.begin != want) {
    throw FileError(where + "data_offsets span " + std::to_string(out.end - out.begin) + " bytes but shape " +
                    shape_str(out.shape) + " of " + ds + " needs " + std::to_string(want));
  }
  return out;
}

// The JSON header, strictly as the safetensors format has it: a JSON object
// starting at the first byte, padded at the end only with spaces (0x20), no NUL
// byte anywhere (nlohmann's lexer stops at a NUL, which would hide what follows),
// and no key twice in any object (nlohmann keeps the last; safetensors refuses).
nlohmann::json parse_header(const std::string& path, const char* h, size_t n) {
  if (n == 0 || h[0] != '{')
    throw FileError(path + ": header is not a JSON object (does not start with '{')");
  if (std::memchr(h, 0, n) != nullptr) {
    throw FileError(path + ": header holds a NUL byte at offset " +
                    std::to_string(static_cast<const char*>(std::memchr(h, 0, n)) - h));
  }
  size_t end = n;
  while (end > 0 && h[end - 1] == ' ') --end;
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::string duplicate;
  const auto callback = [&](int, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (ev == E::object_start) keys.emplace_back();
    if (ev == E::object_end && !keys.empty()) keys.pop_back();
    if (ev == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
        duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json header = nlohmann::json::parse(h, h + end, callback, /*allow_exceptions=*/false);
  if (header.is_discarded()) throw FileError(path + ": header is not valid JSON");
  if (!header.is_object()) throw FileError(path + ": header is not a JSON object");
  if (h[end - 1] != '}') throw FileError(path + ": header is padded with something other than spaces");
  if (!duplicate.empty()) throw FileError(path + ": header names '" + duplicate + "' twice");
  return header;
}

// __metadata__ maps strings to strings, nothing else.
void check_metadata(const std::string& path, const nlohmann::json& m) {
  if (!m.is_object()) throw FileError(path + ": __metadata__ is not an object of strings");
  for (const auto& [k, v] : m.items()) {
    if (!v.is_string()) throw FileError(path + ": __metadata__ value of '" + k + "' is not a string");
  }
}

void decode(const Entry& e, const unsigned char* src, Tensor& t) {
  const size_t n = size_t(t.numel());
  t.data.resize(n);
  switch (e.dtype->dtype) {
    case DType::F32:
      if (n) std::memcpy(t.data.data(), src, n * 4);  // an empty vector's data() may be null
      break;
    case DType::F16:
    case DType::BF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        t.data[i] = e.dtype->dtype == DType::F16 ? half_to_float(h) : bf16_to_float(h);
      }
      break;
    default:
      t.data.clear();
      break;  // shape only
  }
}

}  // namespace

const char* dtype_name(DType d) {
  for (const auto& i : kDTypes)
    if (i.dtype == d && d != DType::Other) return i.name;
  return "other";
}

StateDict load_safetensors(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file_bytes(path);
  return parse_safetensors(bytes.data(), bytes.size(), path);
}

StateDict parse_safetensors(const unsigned char* bytes, size_t size, const std::string& path) {
  if (size < 8) {
    throw FileError(path + ": file is " + std::to_string(size) +
                    " bytes, shorter than the 8-byte safetensors header length");
  }
  uint64_t hlen = 0;
  std::memcpy(&hlen, bytes, 8);
  const uint64_t avail = size - 8;
  if (hlen > avail) {
    throw FileError(path + ": header length " + std::to_string(hlen) + " runs past the end of the file (" +
                    std::to_string(avail) + " bytes after the length field)");
  }
  const char* hbegin = reinterpret_cast<const char*>(bytes + 8);
  const nlohmann::json header = parse_header(path, hbegin, size_t(hlen));
  const unsigned char* data = bytes + 8 + hlen;
  const uint64_t data_size = avail - hlen;
  std::vector<Entry> entries;
  for (const auto& [name, e] : header.items()) {
    if (name == "__metadata__") {
      check_metadata(path, e);
      continue;
    }
    entries.push_back(parse_entry(path, name, e));
    const Entry& last = entries.back();
    if (last.end > data_size) {
      throw FileError(path + ": tensor '" + name + "': data_offsets [" + std::to_string(last.begin) + ", " +
                      std::to_string(last.end) + ") lie outside the data section (" +
                      std::to_string(data_size) + " bytes)");
    }
  }
  // Overlaps: sort the non-empty ranges by start; each must begin at or after the
  // furthest end seen so far.
  std::vector<const Entry*> sorted;
  for (const auto& e : entries)
    if (e.end > e.begin) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  const Entry* furthest = nullptr;
  for (const Entry* e : sorted) {
    if (furthest && e->begin < furthest->end) {
      throw FileError(path + ": tensors '" + furthest->name + "' and '" + e->name +
                      "' have overlapping data ranges");
    }
    if (!furthest || e->end > furthest->end) furthest = e;
  }

  StateDict sd;
  for (const auto& e : entries) {
    StoredTensor st;
    st.dtype = e.dtype->dtype;
    st.value.shape = e.shape;
    decode(e, data + e.begin, st.value);
    sd.emplace(e.name, std::move(st));
  }
  return sd;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors, DType dtype) {
  if (dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16) {
    throw UsageError(path + ": save_safetensors writes F32, F16 or BF16, not " + dtype_name(dtype));
  }
  const uint64_t itemsize = dtype == DType::F32 ? 4 : 2;
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (t.data.size() != size_t(t.numel())) {
      throw ShapeError(path + ": tensor '" + name + "' has " + std::to_string(t.data.size()) +
                       " values but shape " + shape_str(t.shape));
    }
    const uint64_t nbytes = uint64_t(t.numel()) * itemsize;
    header[name] = {
        {"dtype", dtype_name(dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string h = header.dump();
  while (h.size() % 8 != 0) h += ' ';  // data section 8-byte aligned, as the reference writer does
  std::vector<unsigned char> out(8 + h.size() + offset);
  const uint64_t hlen = h.size();
  std::memcpy(out.data(), &hlen, 8);
  std::memcpy(out.data() + 8, h.data(), h.size());
  unsigned char* p = out.data() + 8 + h.size();
  for (const auto& [name, t] : tensors) {
    for (float v : t.data) {
      if (dtype == DType::F32) {
        std::memcpy(p, &v, 4);
      } else {
        const uint16_t b = dtype == DType::F16 ? float_to_half(v) : float_to_bf16(v);
        std::memcpy(p, &b, 2);
      }
      p += itemsize;
    }
  }
  write_file_bytes(path, out);
}

}  // namespace effnet
