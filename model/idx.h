// IDX files (the MNIST / Fashion-MNIST format, http://yann.lecun.com/exdb/mnist/),
// plain or gzip-compressed, unsigned-byte data only: what Debian's
// dataset-fashion-mnist ships under /usr/share/datasets/fashion-mnist.
//
// Layout: bytes 0-1 zero, byte 2 the element type (0x08: unsigned byte), byte 3
// the dimension count D (1..4), then D big-endian uint32 sizes, then the data,
// row-major, nothing after it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet {

struct IdxU8 {
  std::vector<int64_t> shape;  // e.g. {10000, 28, 28} for images, {10000} for labels
  std::vector<uint8_t> data;   // row-major, product(shape) bytes
};

// Reads an IDX file (gzip-compressed when it starts with the gzip magic).
// At most max_bytes of data (default 1 GiB). Throws FileError naming the file
// when it is missing, not a regular file, not IDX, of another element type,
// truncated, longer than its header says, or larger than max_bytes.
IdxU8 load_idx_u8(const std::string& path, uint64_t max_bytes = uint64_t(1) << 30);

// A labelled image set: images [N, H, W] (gray) or [N, H, W, 3] (RGB) and labels [N].
struct IdxDataset {
  IdxU8 images, labels;
  int64_t count() const { return labels.shape.empty() ? 0 : labels.shape[0]; }
  int height() const { return int(images.shape[1]); }
  int width() const { return int(images.shape[2]); }
  int channels() const { return images.shape.size() == 4 ? int(images.shape[3]) : 1; }
};

// Loads both files (load_idx_u8). Throws FileError when the images are not
// [N, H, W] or [N, H, W, 3], the labels not [N] with the same N, or a label is
// >= classes.
IdxDataset load_idx_dataset(const std::string& images_path, const std::string& labels_path, int classes);

// Images [first, first + n) as one batch [n, 3, size, size] float32 NCHW,
// through resize_normalize (model/preprocess.h): the preprocessing of
// load_images (model/image.h) for decoded files. Throws ShapeError when the
// range is empty or outside the set, or size < 1.
Tensor idx_batch(const IdxDataset& set, int64_t first, int64_t n, int size, bool normalize = true);

}  // namespace effnet
