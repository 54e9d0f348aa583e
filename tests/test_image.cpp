// Image loading: decode, bilinear resize as PyTorch's interpolate(align_corners=False,
// antialias=False), scaling and ImageNet normalisation.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>

#include "model/errors.h"
#include "model/image.h"
#include "model/npy.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

using test::put;
using test::slurp;

// Random RGB pixels, [h][w][3].
std::vector<unsigned char> random_pixels(int w, int h, uint64_t seed) {
  const Tensor t = test::random_tensor({h, w, 3}, seed, 0.0f, 256.0f);
  std::vector<unsigned char> px(t.data.size());
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(std::min(255.0f, t.data[i]));
  return px;
}

void write_png(const std::string& path, int w, int h, const std::vector<unsigned char>& px) {
  REQUIRE(stbi_write_png(path.c_str(), w, h, 3, px.data(), w * 3) != 0);
}

double pix(const std::vector<unsigned char>& px, int w, int y, int x, int c) {
  return px[size_t((y * w + x) * 3 + c)] / 255.0;
}

float out_at(const Tensor& t, int64_t b, int64_t c, int64_t y, int64_t x) {
  return t.data[size_t(((b * t.dim(1) + c) * t.dim(2) + y) * t.dim(3) + x)];
}

std::string load_error(const std::string& path) {
  return test::error_text<FileError>([&] { load_images({path}, 8); });
}

}  // namespace

TEST_CASE("same size: pixels / 255 in NCHW RGB order, lossless through PNG", "[image]") {
  test::TempDir dir;
  const auto px = random_pixels(9, 9, 50);
  write_png(dir.file("a.png"), 9, 9, px);
  const Tensor t = load_images({dir.file("a.png")}, 9, false);
  REQUIRE(t.shape == std::vector<int64_t>{1, 3, 9, 9});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 9; ++x) REQUIRE(out_at(t, 0, c, y, x) == float(pix(px, 9, y, x, c)));
}

TEST_CASE("JPEG and grayscale files decode to RGB", "[image]") {
  test::TempDir dir;
  // A smooth gradient, so JPEG's loss stays small: |decoded - original| <= 12/255.
  const int w = 32, h = 24;
  std::vector<unsigned char> px(size_t(w * h * 3));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        px[size_t((y * w + x) * 3 + c)] = static_cast<unsigned char>(40 + 5 * x + 3 * y + 20 * c);
  REQUIRE(stbi_write_jpg(dir.file("a.jpg").c_str(), w, h, 3, px.data(), 95) != 0);
  const Tensor t = load_images({dir.file("a.jpg")}, 32, false);
  REQUIRE(t.shape == std::vector<int64_t>{1, 3, 32, 32});
  const Tensor same = load_images({dir.file("a.jpg")}, 32, false);
  CHECK(test::rel_l2(same, t) == 0.0);  // decoding is deterministic
  // Width 32 is kept: column x of the output is column x of the image, rows are resampled 24 -> 32.
  double worst = 0;
  for (int c = 0; c < 3; ++c)
    for (int x = 0; x < w; ++x) {
      // Output row 0 samples source row max(0, (0 + 0.5) * 24/32 - 0.5) = 0 (clamped).
      worst = std::max(worst, std::abs(double(out_at(t, 0, c, 0, x)) - pix(px, w, 0, x, c)));
    }
  CHECK(worst <= 12.0 / 255.0);

  // One-channel PNG: R = G = B.
  std::vector<unsigned char> gray(size_t(w * h));
  for (size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<unsigned char>(i * 7);
  REQUIRE(stbi_write_png(dir.file("g.png").c_str(), w, h, 1, gray.data(), w) != 0);
  const Tensor g = load_images({dir.file("g.png")}, 32, false);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      CHECK(out_at(g, 0, 0, y, x) == out_at(g, 0, 1, y, x));
      CHECK(out_at(g, 0, 1, y, x) == out_at(g, 0, 2, y, x));
    }
}

TEST_CASE("upsampling 2 -> 4 uses half-pixel centres clamped at the border", "[image]") {
  // PyTorch align_corners=False: src = (dst + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25
  // (index 1 with no right neighbour): weights (1, 0), (.75, .25), (.25, .75), (0, 1) in each axis.
  test::TempDir dir;
  const auto px = random_pixels(2, 2, 51);
  write_png(dir.file("u.png"), 2, 2, px);
  const Tensor t = load_images({dir.file("u.png")}, 4, false);
  const double wt[4][2] = {{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}};
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        double want = 0.0;
        for (int sy = 0; sy < 2; ++sy)
          for (int sx = 0; sx < 2; ++sx) want += wt[y][sy] * wt[x][sx] * pix(px, 2, sy, sx, c);
        REQUIRE(std::abs(out_at(t, 0, c, y, x) - want) <= 1e-6);
      }
}

TEST_CASE("downsampling a non-square image: each axis has its own scale", "[image]") {
  // w 6 -> 2: src_x = (x + 0.5) * 3 - 0.5 = 1, 4 (exact columns); h 4 -> 2: src_y = 0.5, 2.5 (pair means).
  test::TempDir dir;
  const auto px = random_pixels(6, 4, 52);
  write_png(dir.file("d.png"), 6, 4, px);
  const Tensor t = load_images({dir.file("d.png")}, 2, false);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) {
        const double want = 0.5 * (pix(px, 6, 2 * y, 1 + 3 * x, c) + pix(px, 6, 2 * y + 1, 1 + 3 * x, c));
        REQUIRE(std::abs(out_at(t, 0, c, y, x) - want) <= 1e-6);
      }
}

TEST_CASE("normalisation and batching", "[image]") {
  test::TempDir dir;
  write_png(dir.file("a.png"), 11, 7, random_pixels(11, 7, 53));
  write_png(dir.file("b.png"), 5, 13, random_pixels(5, 13, 54));
  const Tensor raw = load_images({dir.file("a.png"), dir.file("b.png")}, 10, false);
  const Tensor norm = load_images({dir.file("a.png"), dir.file("b.png")}, 10, true);
  REQUIRE(norm.shape == std::vector<int64_t>{2, 3, 10, 10});
  const Tensor only_b = load_images({dir.file("b.png")}, 10, false);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 10; ++y)
      for (int x = 0; x < 10; ++x) {
        for (int b = 0; b < 2; ++b) {
          const double want = (out_at(raw, b, c, y, x) - double(kImageNetMean[c])) / double(kImageNetStd[c]);
          REQUIRE(std::abs(out_at(norm, b, c, y, x) - want) <= 1e-5);
        }
        REQUIRE(out_at(raw, 1, c, y, x) == out_at(only_b, 0, c, y, x));
      }
}

TEST_CASE("the bundled photo matches PyTorch's preprocessing", "[image][golden]") {
  const Tensor t = load_images({test::data_path("chelsea.png")}, 240, true);
  const Tensor ref = load_npy(test::data_path("golden_photo_input.npy"));
  const double err = test::rel_l2(t, ref);
  INFO("relative L2 vs golden_photo_input.npy: " << err << ", max abs " << test::max_abs_err(t, ref));
  CHECK(err <= 1e-4);  // float64 bilinear in PyTorch vs ours, rounded to float32: expect ~1e-7
}

TEST_CASE("image loader errors name the file", "[image]") {
  test::TempDir dir;
  SECTION("missing file") {
    CHECK_THAT(load_error(dir.file("nope.png")),
               ContainsSubstring("nope.png") && ContainsSubstring("cannot open"));
  }
  SECTION("truncated PNG") {
    write_png(dir.file("t.png"), 16, 16, random_pixels(16, 16, 55));
    std::filesystem::resize_file(dir.file("t.png"), std::filesystem::file_size(dir.file("t.png")) / 2);
    CHECK_THAT(load_error(dir.file("t.png")),
               ContainsSubstring("t.png") && ContainsSubstring("cannot decode"));
  }
  SECTION("random bytes") {
    const Tensor r = test::random_tensor({500}, 56, 0.0f, 256.0f);
    std::ofstream f(dir.file("r.jpg"), std::ios::binary);
    for (float v : r.data) f.put(char(static_cast<unsigned char>(v)));
    f.close();
    CHECK_THAT(load_error(dir.file("r.jpg")),
               ContainsSubstring("r.jpg") && ContainsSubstring("cannot decode"));
  }
  SECTION("empty file") {
    std::ofstream(dir.file("e.png")).close();
    CHECK_THAT(load_error(dir.file("e.png")), ContainsSubstring("e.png"));
  }
  SECTION("a directory") { CHECK_THAT(load_error(dir.path().string()), ContainsSubstring("directory")); }
  SECTION("bad arguments") {
    test::error_text<ShapeError>([&] { load_images({}, 8); });
    write_png(dir.file("ok.png"), 4, 4, random_pixels(4, 4, 57));
    test::error_text<ShapeError>([&] { load_images({dir.file("ok.png")}, 0); });
  }
}

namespace {

uint32_t crc32(const std::string& s) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}
std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
// One PNG chunk: length, type, data, CRC over type + data (+ `crc_delta` to corrupt it).
std::string chunk(const std::string& type, const std::string& data, uint32_t crc_delta = 0) {
  return be32(uint32_t(data.size())) + type + data + be32(crc32(type + data) + crc_delta);
}

}  // namespace

TEST_CASE("only PNG and JPEG are decoded, chosen by magic bytes", "[image][hostile]") {
  test::TempDir dir;
  // A 16-bit PGM (stb_image over-read the heap on these), a truncated Radiance
  // HDR (stb looped forever), a BMP: none is decoded, whatever the name.
  put(dir.file("a.png"), "P5\n4 4\n65535\n" + std::string(32, '\x7f'));
  CHECK_THAT(load_error(dir.file("a.png")),
             ContainsSubstring("a.png") && ContainsSubstring("not a PNG or JPEG"));
  put(dir.file("b.jpg"), "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 4 +X 4\n\x02\x02");
  CHECK_THAT(load_error(dir.file("b.jpg")), ContainsSubstring("not a PNG or JPEG"));
  REQUIRE(stbi_write_bmp(dir.file("c.png").c_str(), 4, 4, 3, random_pixels(4, 4, 60).data()) != 0);
  CHECK_THAT(load_error(dir.file("c.png")), ContainsSubstring("not a PNG or JPEG"));
  // A PNG named .jpg is still a PNG.
  write_png(dir.file("d.jpg"), 4, 4, random_pixels(4, 4, 61));
  CHECK(load_images({dir.file("d.jpg")}, 4).shape == std::vector<int64_t>{1, 3, 4, 4});
}

TEST_CASE("PNG: CRC errors in any chunk, truncation and oversized headers are errors", "[image][hostile]") {
  test::TempDir dir;
  write_png(dir.file("ok.png"), 8, 8, random_pixels(8, 8, 62));
  const std::string png = slurp(dir.file("ok.png"));
  const size_t after_ihdr = 8 + 25;  // signature, IHDR (4 + 4 + 13 + 4)
  SECTION("a critical chunk (IDAT) with a wrong CRC") {
    std::string bad = png;
    const size_t idat = bad.find("IDAT");
    REQUIRE(idat != std::string::npos);
    bad[idat + 4] ^= 0x01;  // first byte of the compressed data: the CRC no longer matches
    put(dir.file("bad.png"), bad);
    CHECK_THAT(load_error(dir.file("bad.png")), ContainsSubstring("cannot decode PNG"));
  }
  SECTION("an ancillary chunk (tEXt) with a wrong CRC (libpng's default only warns)") {
    put(dir.file("bad.png"),
        png.substr(0, after_ihdr) + chunk("tEXt", std::string("a\0b", 3), 1) + png.substr(after_ihdr));
    CHECK_THAT(load_error(dir.file("bad.png")), ContainsSubstring("CRC"));
    // The same chunk with its right CRC is fine.
    put(dir.file("good.png"),
        png.substr(0, after_ihdr) + chunk("tEXt", std::string("a\0b", 3)) + png.substr(after_ihdr));
    CHECK(load_images({dir.file("good.png")}, 8).shape == std::vector<int64_t>{1, 3, 8, 8});
  }
  SECTION("a file cut after the image data (no IEND)") {
    put(dir.file("cut.png"), png.substr(0, png.size() - 12));
    CHECK_THAT(load_error(dir.file("cut.png")), ContainsSubstring("cannot decode PNG"));
  }
  SECTION("a header claiming 100000 x 100000 pixels") {
    const std::string ihdr = be32(100000) + be32(100000) + std::string("\x08\x02\x00\x00\x00", 5);
    put(dir.file("big.png"), png.substr(0, 8) + chunk("IHDR", ihdr) + png.substr(after_ihdr));
    CHECK_THAT(load_error(dir.file("big.png")), ContainsSubstring("big.png"));
  }
  SECTION("a header within libpng's limits but over ours (20000 x 1)") {
    const std::string ihdr = be32(20000) + be32(1) + std::string("\x08\x02\x00\x00\x00", 5);
    put(dir.file("wide.png"), png.substr(0, 8) + chunk("IHDR", ihdr) + png.substr(after_ihdr));
    CHECK_THAT(load_error(dir.file("wide.png")), ContainsSubstring("wide.png"));
  }
}

TEST_CASE("JPEG: a truncated or corrupt stream is an error, not a partly grey image", "[image][hostile]") {
  test::TempDir dir;
  REQUIRE(stbi_write_jpg(dir.file("ok.jpg").c_str(), 32, 32, 3, random_pixels(32, 32, 63).data(), 90) != 0);
  const std::string jpg = slurp(dir.file("ok.jpg"));
  CHECK(load_images({dir.file("ok.jpg")}, 32).shape == std::vector<int64_t>{1, 3, 32, 32});
  put(dir.file("cut.jpg"), jpg.substr(0, jpg.size() * 2 / 3));
  CHECK_THAT(load_error(dir.file("cut.jpg")), ContainsSubstring("cut.jpg") && ContainsSubstring("JPEG"));
  put(dir.file("magic.jpg"), std::string("\xff\xd8\xff", 3) + std::string(100, '\0'));
  CHECK_THAT(load_error(dir.file("magic.jpg")), ContainsSubstring("cannot decode JPEG"));
}

TEST_CASE("JPEG: a Huffman table declaring more than 256 codes is an error", "[image][hostile]") {
  // stb_image tripped UBSan on these (issue 12); libjpeg-turbo must refuse them.
  test::TempDir dir;
  REQUIRE(stbi_write_jpg(dir.file("ok.jpg").c_str(), 16, 16, 3, random_pixels(16, 16, 64).data(), 90) != 0);
  std::string jpg = slurp(dir.file("ok.jpg"));
  const size_t dht = jpg.find("\xff\xc4");
  REQUIRE(dht != std::string::npos);
  // Marker, 2-byte length, table class/id, then 16 code counts: 16 x 17 = 272 codes.
  REQUIRE(dht + 5 + 16 <= jpg.size());
  for (size_t i = 0; i < 16; ++i) jpg[dht + 5 + i] = char(17);
  put(dir.file("huff.jpg"), jpg);
  CHECK_THAT(load_error(dir.file("huff.jpg")), ContainsSubstring("huff.jpg") && ContainsSubstring("JPEG"));
}
