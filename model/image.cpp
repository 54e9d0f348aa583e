#include "model/image.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>

#include "model/errors.h"
#include "model/file_io.h"
#include "model/preprocess.h"

// stb_image is compiled here, private to this file (static functions), PNG and JPEG and
// the other common formats; no stdio (we read the file ourselves for clear errors).
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_NO_STDIO
#define STBI_FAILURE_USERMSG
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace effnet {
namespace {

struct StbFree {
  void operator()(unsigned char* p) const { stbi_image_free(p); }
};

// 8-bit RGB image, row-major [h][w][3].
struct Rgb8 {
  int w = 0, h = 0;
  std::unique_ptr<unsigned char, StbFree> px;
};

Rgb8 decode(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file_bytes(path);
  if (bytes.empty()) throw FileError(path + ": cannot decode image (file is empty)");
  if (bytes.size() > size_t(INT32_MAX)) throw FileError(path + ": cannot decode image (file too large)");
  Rgb8 img;
  int channels = 0;
  img.px.reset(stbi_load_from_memory(bytes.data(), int(bytes.size()), &img.w, &img.h, &channels, 3));
  if (!img.px) throw FileError(path + ": cannot decode image (" + stbi_failure_reason() + ")");
  return img;
}

}  // namespace

Tensor load_images(const std::vector<std::string>& paths, int size, bool normalize) {
  if (paths.empty()) throw ShapeError("load_images: no image paths given (batch of 0)");
  if (size < 1) throw ShapeError("load_images: image size must be >= 1, got " + std::to_string(size));
  const int64_t n = int64_t(paths.size());
  Tensor out({n, 3, size, size});
  const size_t plane = size_t(size) * size_t(size);
  for (int64_t b = 0; b < n; ++b) {
    const Rgb8 img = decode(paths[size_t(b)]);
    resize_normalize({img.px.get(), img.w, img.h, 3}, size, normalize,
                     out.data.data() + size_t(b) * 3 * plane);
  }
  return out;
}

}  // namespace effnet
