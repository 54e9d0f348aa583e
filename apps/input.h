// Input of the tools: images or an .npy batch, validated, taken in chunks.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet::app {

struct InputSpec {
  std::vector<std::string> images;  // decoded, resized to `size`, normalised unless `normalize` is false
  std::string npy;                  // [N, 3, H, W] float32 NCHW
  int size = 240;
  bool normalize = true;
};

// An image that could not be decoded, skipped in a run of several images.
struct SkippedImage {
  int64_t index = 0;  // its place among the inputs
  std::string path;
  std::string reason;  // the FileError's message without the leading "<path>: "
};

// The rows of the input (one per image, or the .npy's N), taken chunk by chunk
// (next()): an image is decoded only when its chunk is taken, so memory stays
// that of one chunk whatever the number of images; an .npy is read and
// validated whole when constructed.
class InputBatches {
 public:
  // One chunk: `rows` (count <= the n asked for) real rows, padded to n by
  // repeating the last real row (a short last chunk padded to the plan's batch).
  struct Chunk {
    Tensor x;                           // [n, 3, H, W] float32 NCHW; empty when `rows` is
    std::vector<int64_t> rows;          // the input index of each real row of x
    std::vector<SkippedImage> skipped;  // inputs passed over while filling this chunk
  };

  // Throws UsageError when neither or both sources are given or spec.size is
  // outside [kMinImageSize, kMaxImageSize] (model/arch.h); for an .npy,
  // FileError (unreadable, malformed) and ShapeError (validate_input).
  explicit InputBatches(const InputSpec& spec);

  int64_t count() const { return count_; }
  int height() const { return h_; }
  int width() const { return w_; }
  // The next chunk of up to n rows. False when every input was taken. With
  // several images, one that cannot be decoded (FileError: missing, not a PNG
  // or JPEG, corrupt) is put in `skipped` and the chunk is filled from the
  // following ones (when all remaining images are bad, a chunk has no rows);
  // with one image its FileError is thrown, naming the file. ShapeError when
  // n < 1.
  bool next(int64_t n, Chunk& out);
  // An image's path, or "<npy> row <i>".
  std::string row_name(int64_t i) const;

 private:
  InputSpec spec_;
  Tensor npy_;
  int64_t count_ = 0, taken_ = 0;
  int h_ = 0, w_ = 0;
};

// Throws ShapeError unless x is [N>=1, 3, H, W] with H, W in [kMinImageSize,
// kMaxImageSize] and every value finite.
void validate_input(const Tensor& x);

}  // namespace effnet::app
