#include "model/image_decode.h"

#include <png.h>
#include <turbojpeg.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>

#include "model/errors.h"
#include "model/file_io.h"

namespace effnet {
namespace {

constexpr unsigned char kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
constexpr unsigned char kJpegMagic[3] = {0xff, 0xd8, 0xff};
static_assert(sizeof kPngMagic <= kImageMagicBytes && sizeof kJpegMagic <= kImageMagicBytes);

void check_dims(const std::string& name, const char* kind, int64_t w, int64_t h) {
  if (w < 1 || h < 1 || w > kMaxImageSide || h > kMaxImageSide || w * h > kMaxImagePixels) {
    throw FileError(name + ": cannot decode " + kind + " (image is " + std::to_string(w) + "x" +
                    std::to_string(h) + ", outside the limits: 1 to " + std::to_string(kMaxImageSide) +
                    " a side, at most " + std::to_string(kMaxImagePixels) + " pixels)");
  }
}

// ---- PNG (libpng; its errors longjmp back to decode_png) ----------------------

struct PngState {
  const unsigned char* data;
  size_t size, pos;
  char message[256];
  Rgb8 img;  // lives here (its address escapes), so it is well defined after a longjmp
  std::vector<png_bytep> rows;
};

void png_error_fn(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(st->message, sizeof st->message, "%s", msg);
  png_longjmp(png, 1);
}
void png_warning_fn(png_structp, png_const_charp) {}  // benign (e.g. an odd ICC profile); CRCs are errors

void png_read_fn(png_structp png, png_bytep out, size_t n) {
  auto* st = static_cast<PngState*>(png_get_io_ptr(png));
  if (n > st->size - st->pos) png_error(png, "file is truncated");
  std::memcpy(out, st->data + st->pos, n);
  st->pos += n;
}

// Owns libpng's read and info structs.
struct PngReader {
  png_structp png = nullptr;
  png_infop info = nullptr;
  explicit PngReader(PngState* st) {
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, png_error_fn, png_warning_fn);
    if (png) info = png_create_info_struct(png);
    if (!png || !info) {
      png_destroy_read_struct(&png, &info, nullptr);
      throw std::bad_alloc();
    }
  }
  ~PngReader() { png_destroy_read_struct(&png, &info, nullptr); }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;
};

// Everything with a destructor is created before setjmp, so the longjmp of an
// error skips none (libpng's own frames between are C).
Rgb8 decode_png(const unsigned char* data, size_t size, const std::string& name) {
  auto st = std::make_unique<PngState>();
  st->data = data;
  st->size = size;
  st->pos = 0;
  st->message[0] = '\0';
  PngReader r(st.get());
  png_structp png = r.png;
  png_infop info = r.info;
  if (setjmp(png_jmpbuf(png)))
    throw FileError(name + ": cannot decode PNG (" + std::string(st->message) + ")");
  png_set_read_fn(png, st.get(), png_read_fn);
  // A CRC error in any chunk, critical or ancillary, is an error (libpng's default
  // only warns and discards an ancillary chunk).
  png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_read_info(png, info);
  const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  check_dims(name, "PNG", w, h);
  const int color = png_get_color_type(png, info);
  png_set_strip_16(png);
  png_set_packing(png);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != size_t(w) * 3) png_error(png, "unexpected row layout after conversion");
  st->img.w = int(w);
  st->img.h = int(h);
  st->img.px.resize(size_t(w) * size_t(h) * 3);
  st->rows.resize(h);
  for (png_uint_32 y = 0; y < h; ++y) st->rows[y] = st->img.px.data() + size_t(y) * size_t(w) * 3;
  png_read_image(png, st->rows.data());
  png_read_end(png, nullptr);  // the chunks after the image, up to IEND, with their CRCs
  return std::move(st->img);
}

// ---- JPEG (libjpeg-turbo's TurboJPEG API) ----------------------------------------

struct TjFree {
  void operator()(void* h) const { tjDestroy(h); }
};

Rgb8 decode_jpeg(const unsigned char* data, size_t size, const std::string& name) {
  std::unique_ptr<void, TjFree> tj(tjInitDecompress());
  if (!tj) throw std::bad_alloc();
  const auto fail = [&](const char* what) {
    return FileError(name + ": cannot decode JPEG (" + what + ": " + tjGetErrorStr2(tj.get()) + ")");
  };
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.get(), data, static_cast<unsigned long>(size), &w, &h, &subsamp, &colorspace) !=
      0) {
    throw fail("header");
  }
  check_dims(name, "JPEG", w, h);
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    throw FileError(name + ": cannot decode JPEG (CMYK images are not supported)");
  }
  Rgb8 img;
  img.w = w;
  img.h = h;
  img.px.resize(size_t(w) * size_t(h) * 3);
  // Any warning (corrupt data, premature end) is an error; a progressive file
  // with an absurd scan count is refused instead of decoded for minutes.
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS | TJFLAG_ACCURATEDCT;
  if (tjDecompress2(tj.get(), data, static_cast<unsigned long>(size), img.px.data(), w, 0, h, TJPF_RGB,
                    flags) != 0) {
    throw fail("data");
  }
  return img;
}

}  // namespace

Rgb8 decode_image_bytes(const unsigned char* data, size_t size, const std::string& name) {
  if (size == 0) throw FileError(name + ": cannot decode image (file is empty)");
  if (size >= sizeof kPngMagic && std::memcmp(data, kPngMagic, sizeof kPngMagic) == 0) {
    return decode_png(data, size, name);
  }
  if (size >= sizeof kJpegMagic && std::memcmp(data, kJpegMagic, sizeof kJpegMagic) == 0) {
    return decode_jpeg(data, size, name);
  }
  throw FileError(name + ": cannot decode image (not a PNG or JPEG file)");
}

bool is_image_magic(const unsigned char* data, size_t size) {
  return (size >= sizeof kPngMagic && std::memcmp(data, kPngMagic, sizeof kPngMagic) == 0) ||
         (size >= sizeof kJpegMagic && std::memcmp(data, kJpegMagic, sizeof kJpegMagic) == 0);
}

Rgb8 decode_image_file(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file_bytes(path, kMaxImageFileBytes);
  return decode_image_bytes(bytes.data(), bytes.size(), path);
}

}  // namespace effnet
