// Reader and writer of the safetensors format
// (https://github.com/huggingface/safetensors: 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end)}},
// then the raw little-endian data; offsets are relative to the end of the header).
#pragma once
#include <map>
#include <string>

#include "model/tensor.h"

namespace effnet {

enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool, Other };
const char* dtype_name(DType d);

struct StoredTensor {
  DType dtype = DType::F32;
  // For F32, F16 and BF16 the values converted to float32; for any other
  // dtype only the shape is filled (data empty): those tensors are either
  // ignored (num_batches_tracked) or rejected by validation.
  Tensor value;
};
using StateDict = std::map<std::string, StoredTensor>;

// Reads a whole safetensors file. Throws FileError (one line, naming the file)
// when the file is missing, shorter than its header claims, the header is not
// valid JSON or not strictly in the format (it must start with '{', be padded
// only with trailing spaces, hold no NUL byte and no key twice: a tensor name
// appears once), __metadata__ is not string-to-string, a dtype is unknown, a
// shape and its byte range disagree, or a byte range lies outside the data
// section or overlaps another. The file must be a regular file (model/file_io.h).
StateDict load_safetensors(const std::string& path);

// The same on `size` bytes in memory (what load_safetensors reads); `path`
// only labels the errors. Same errors as load_safetensors. The fuzz target of
// tests/fuzz calls it.
StateDict parse_safetensors(const unsigned char* bytes, size_t size, const std::string& path);

// Writes tensors as `dtype` (F32, F16 or BF16; values rounded to nearest even).
// Used by tests and by the built-in weights export. Throws FileError on I/O failure,
// UsageError for another dtype, ShapeError when a tensor's data size is not its numel.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      DType dtype = DType::F32);

}  // namespace effnet
