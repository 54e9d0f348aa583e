// libFuzzer target: decode_image_bytes (PNG by libpng, JPEG by libjpeg-turbo)
// on arbitrary bytes, then the resize every decoded image goes through.
// FileError is an expected rejection; anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/errors.h"
#include "model/image_decode.h"
#include "model/preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const effnet::Rgb8 img = effnet::decode_image_bytes(data, size, "fuzz.img");
    if (img.w < 1 || img.h < 1 || img.px.size() != size_t(img.w) * size_t(img.h) * 3) __builtin_trap();
    std::vector<float> out(3 * 8 * 8);
    effnet::resize_normalize({img.px.data(), img.w, img.h, 3}, 8, true, out.data());
  } catch (const effnet::FileError&) {
  }
  return 0;
}
