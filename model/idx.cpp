#include "model/idx.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "model/errors.h"
#include "model/preprocess.h"

namespace effnet {
namespace {

struct GzClose {
  void operator()(gzFile f) const { gzclose(f); }
};

// Reads up to n bytes; returns how many were read. Throws on a zlib error.
size_t read_some(gzFile f, uint8_t* dst, size_t n, const std::string& path) {
  size_t got = 0;
  while (got < n) {
    const unsigned chunk = unsigned(std::min<size_t>(n - got, size_t(1) << 30));
    const int r = gzread(f, dst + got, chunk);
    if (r < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw FileError(path + ": cannot read IDX data (" + (msg ? msg : "zlib error") + ")");
    }
    if (r == 0) break;
    got += size_t(r);
  }
  return got;
}

}  // namespace

IdxU8 load_idx_u8(const std::string& path, uint64_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw FileError(path + ": cannot open IDX file (no such file)");
  if (!S_ISREG(st.st_mode)) throw FileError(path + ": not a regular file");
  // gzopen reads plain files transparently as well.
  std::unique_ptr<gzFile_s, GzClose> f(gzopen(path.c_str(), "rb"));
  if (!f) throw FileError(path + ": cannot open IDX file");
  uint8_t head[4];
  if (read_some(f.get(), head, 4, path) != 4) throw FileError(path + ": truncated IDX header");
  if (head[0] != 0 || head[1] != 0) throw FileError(path + ": not an IDX file (bad magic)");
  if (head[2] != 0x08)
    throw FileError(path + ": IDX element type 0x" + std::to_string(int(head[2])) +
                    " is not supported (unsigned byte, 0x08, only)");
  const int ndim = head[3];
  if (ndim < 1 || ndim > 4)
    throw FileError(path + ": IDX dimension count " + std::to_string(ndim) + " (1..4)");
  IdxU8 out;
  uint64_t total = 1;
  for (int d = 0; d < ndim; ++d) {
    uint8_t b[4];
    if (read_some(f.get(), b, 4, path) != 4) throw FileError(path + ": truncated IDX header");
    const uint64_t n = (uint64_t(b[0]) << 24) | (uint64_t(b[1]) << 16) | (uint64_t(b[2]) << 8) | b[3];
    if (n == 0) throw FileError(path + ": IDX dimension " + std::to_string(d) + " is 0");
    total *= n;  // at most 4 factors below 2^32 checked against max_bytes each step: no overflow
    if (total > max_bytes)
      throw FileError(path + ": IDX data larger than " + std::to_string(max_bytes) + " bytes");
    out.shape.push_back(int64_t(n));
  }
  out.data.resize(size_t(total));
  if (read_some(f.get(), out.data.data(), out.data.size(), path) != out.data.size())
    throw FileError(path + ": truncated IDX data (header says " + std::to_string(total) + " bytes)");
  uint8_t extra = 0;
  if (read_some(f.get(), &extra, 1, path) != 0)
    throw FileError(path + ": bytes after the IDX data (header says " + std::to_string(total) + " bytes)");
  return out;
}

IdxDataset load_idx_dataset(const std::string& images_path, const std::string& labels_path, int classes) {
  IdxDataset s;
  s.images = load_idx_u8(images_path);
  s.labels = load_idx_u8(labels_path);
  const auto& is = s.images.shape;
  if (!(is.size() == 3 || (is.size() == 4 && is[3] == 3)))
    throw FileError(images_path + ": IDX images must be [N, H, W] or [N, H, W, 3]");
  if (s.labels.shape.size() != 1 || s.labels.shape[0] != is[0])
    throw FileError(labels_path + ": IDX labels must be [" + std::to_string(is[0]) + "] to match " +
                    images_path);
  for (size_t i = 0; i < s.labels.data.size(); ++i)
    if (int(s.labels.data[i]) >= classes)
      throw FileError(labels_path + ": label " + std::to_string(int(s.labels.data[i])) + " of image " +
                      std::to_string(i) + " is not below the network's " + std::to_string(classes) +
                      " classes");
  return s;
}

Tensor idx_batch(const IdxDataset& set, int64_t first, int64_t n, int size, bool normalize) {
  if (n < 1 || first < 0 || first + n > set.count())
    throw ShapeError("idx_batch: images [" + std::to_string(first) + ", " + std::to_string(first + n) +
                     ") outside the set of " + std::to_string(set.count()));
  if (size < 1) throw ShapeError("idx_batch: image size must be >= 1, got " + std::to_string(size));
  Tensor out({n, 3, size, size});
  const size_t pixels = size_t(set.height()) * size_t(set.width()) * size_t(set.channels());
  const size_t plane3 = size_t(3) * size_t(size) * size_t(size);
  for (int64_t b = 0; b < n; ++b)
    resize_normalize(
        {set.images.data.data() + size_t(first + b) * pixels, set.width(), set.height(), set.channels()},
        size, normalize, out.data.data() + size_t(b) * plane3);
  return out;
}

}  // namespace effnet
