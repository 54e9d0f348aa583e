// Image preprocessing shared by every 8-bit image source (decoded files,
// IDX datasets): bilinear resize to size x size, scale to [0, 1], optional
// ImageNet standardisation, NCHW float32 RGB.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/tensor.h"

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

// The same bilinear interpolation into 8-bit RGB: dst [size][size][3] (NHWC,
// one image of an ImagesU8), each interpolated 0..255 value rounded to the
// nearest integer (halves up). For the uint8 input path (the GPU normalises,
// VkPlanOptions::input = U8NHWC): resize_u8 then images_u8_to_nchw differs
// from resize_normalize by that rounding only, at most 0.5 / 255 / std
// (0.0087 with ImageNet's std), and not at all for an image of size x size
// already (no interpolation: the values are the image's bytes).
void resize_u8(const ImageU8View& img, int size, uint8_t* dst);

// The network input value of an 8-bit value v of RGB channel c (0, 1, 2):
// float((v / 255 - kImageNetMean[c]) / kImageNetStd[c]) computed in float64
// (without `normalize`: float(v / 255)), exactly resize_normalize's
// arithmetic when no resize happens (size equal to the image's).
float normalize_u8(uint8_t v, int c, bool normalize);

// normalize_u8 of every value: [3][256] float32, channel-major (the table the
// GPU's uint8 input path reads, shaders/stem_conv.comp -DINPUT_U8).
std::vector<float> normalize_u8_table(bool normalize);

// A batch of 8-bit RGB images in host memory, NHWC [n][h][w][3] bytes
// (decoder order: row-major, interleaved channels), already at the network's
// input size. Not owning: `data` must hold n * h * w * 3 bytes.
struct ImagesU8 {
  const uint8_t* data = nullptr;
  int64_t n = 0, h = 0, w = 0;
  std::vector<int64_t> shape() const { return {n, h, w, 3}; }  // NHWC
  size_t bytes() const { return size_t(n) * size_t(h) * size_t(w) * 3; }
};

// The float32 NCHW network input [n][3][h][w] of x (normalize_u8 per value)
// into dst (n * 3 * h * w floats): the CPU's side of the uint8 input path,
// equal bit for bit to what the GPU computes from the same bytes. Large
// batches on several threads (model/parallel.h).
void images_u8_to_nchw(const ImagesU8& x, bool normalize, float* dst);
// The same as a new Tensor [n, 3, h, w].
Tensor images_u8_to_nchw(const ImagesU8& x, bool normalize);

}  // namespace effnet
