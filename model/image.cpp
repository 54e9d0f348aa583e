#include "model/image.h"

#include "model/errors.h"
#include "model/image_decode.h"

namespace effnet {

Tensor load_images(const std::vector<std::string>& paths, int size, bool normalize) {
  if (paths.empty()) throw ShapeError("load_images: no image paths given (batch of 0)");
  if (size < 1) throw ShapeError("load_images: image size must be >= 1, got " + std::to_string(size));
  const int64_t n = int64_t(paths.size());
  Tensor out({n, 3, size, size});
  const size_t plane = size_t(size) * size_t(size);
  for (int64_t b = 0; b < n; ++b) {
    const Rgb8 img = decode_image_file(paths[size_t(b)]);
    resize_normalize({img.px.data(), img.w, img.h, 3}, size, normalize,
                     out.data.data() + size_t(b) * 3 * plane);
  }
  return out;
}

}  // namespace effnet
