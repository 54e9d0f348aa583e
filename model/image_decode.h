// Image decoding: PNG (libpng) and JPEG (libjpeg-turbo), chosen by the file's
// magic bytes, never by its name; no other format is decoded.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace effnet {

inline constexpr int kMaxImageSide = 16384;                          // pixels, width and height each
inline constexpr int64_t kMaxImagePixels = int64_t(1) << 26;         // 64 Mpx: 192 MiB as RGB
inline constexpr uint64_t kMaxImageFileBytes = uint64_t(256) << 20;  // 256 MiB

// 8-bit RGB image, row-major [h][w][3].
struct Rgb8 {
  int w = 0, h = 0;
  std::vector<unsigned char> px;
};

// Decodes `size` bytes of a PNG or JPEG file; `name` only labels the errors.
// PNG: every bit depth, palette, gray and alpha (alpha is dropped, 16-bit
// samples keep their high byte); every chunk CRC is checked, truncation is an
// error. JPEG: baseline and progressive, grayscale or YCbCr; a corrupt or
// truncated stream (any libjpeg warning) is an error, as is CMYK. Throws
// FileError, one line naming the file: "<name>: not a PNG or JPEG image",
// "<name>: cannot decode PNG (<reason>)", "... (image is WxH, outside the limits ...)".
Rgb8 decode_image_bytes(const unsigned char* data, size_t size, const std::string& name);

// Bytes of a file's beginning that is_image_magic needs.
inline constexpr size_t kImageMagicBytes = 8;

// True when `data` (the first min(size, kImageMagicBytes) bytes of a file)
// starts as a PNG or a JPEG file does: the test decode_image_bytes uses to
// pick its decoder (used to pick the images in a directory).
bool is_image_magic(const unsigned char* data, size_t size);

// read_file_bytes(path, kMaxImageFileBytes) + decode_image_bytes.
Rgb8 decode_image_file(const std::string& path);

}  // namespace effnet
