// Image preprocessing shared by every 8-bit image source (decoded files,
// IDX datasets): bilinear resize to size x size, scale to [0, 1], optional
// ImageNet standardisation, NCHW float32 RGB.
#pragma once
#include <cstdint>

namespace effnet {

inline constexpr float kImageNetMean[3] = {0.485f, 0.456f, 0.406f};
inline constexpr float kImageNetStd[3] = {0.229f, 0.224f, 0.225f};

// An 8-bit image in host memory, row-major [h][w][channels]; channels 1
// (gray: replicated to R, G and B, as decoders expand gray to RGB) or 3 (RGB).
struct ImageU8View {
  const uint8_t* px = nullptr;
  int w = 0, h = 0, channels = 3;
};

// Writes img as [3][size][size] float32 (RGB planes) into dst: bilinear
// interpolation with half-pixel centres, as PyTorch's interpolate(mode=
// "bilinear", align_corners=False, antialias=False) (source coordinate
// (dst + 0.5) * in / out - 0.5, clamped at 0), computed in float64 on the 0..255
// values, then v / 255 and, when `normalize`, (v - kImageNetMean[c]) /
// kImageNetStd[c]. Preconditions (checked by the callers that parse files):
// px non-null, w, h, size >= 1, channels 1 or 3.
void resize_normalize(const ImageU8View& img, int size, bool normalize, float* dst);

}  // namespace effnet
