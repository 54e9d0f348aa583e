// The host side of the uint8 input path (model/preprocess.h): normalize_u8 is
// resize_normalize's arithmetic at the same size, bit for bit, and
// images_u8_to_nchw moves NHWC bytes to NCHW floats; check_network_input of
// uint8 batches. The GPU side: tests/test_vk_input_u8.cpp.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <vector>

#include "model/errors.h"
#include "model/network_input.h"
#include "model/preprocess.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"

using namespace effnet;

TEST_CASE("uint8 images to NCHW equal resize_normalize at the same size, bit for bit", "[image][u8]") {
  const int h = 7, w = 5;
  const std::vector<uint8_t> px = test::random_bytes(size_t(2 * h * w * 3), 11);
  for (const bool normalize : {true, false}) {
    CAPTURE(normalize);
    std::vector<float> got(px.size());
    images_u8_to_nchw(ImagesU8{px.data(), 2, h, w}, normalize, got.data());
    // resize_normalize makes size x size images: at a square image's own size
    // it is the identity resize, and its values must be the table's.
    const std::vector<uint8_t> sq = test::random_bytes(size_t(6 * 6 * 3), 5);
    std::vector<float> a(sq.size()), b(sq.size());
    images_u8_to_nchw(ImagesU8{sq.data(), 1, 6, 6}, normalize, a.data());
    resize_normalize(ImageU8View{sq.data(), 6, 6, 3}, 6, normalize, b.data());
    CHECK(a == b);
    // Layout: NHWC byte (i, y, x, c) lands at NCHW (i, c, y, x), through the table.
    const std::vector<float> t = normalize_u8_table(normalize);
    REQUIRE(t.size() == 3 * 256);
    for (int i = 0; i < 2; ++i)
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x) {
            const uint8_t v = px[size_t(((i * h + y) * w + x) * 3 + c)];
            REQUIRE(got[size_t(((i * 3 + c) * h + y) * w + x)] == t[size_t(c * 256 + v)]);
            REQUIRE(t[size_t(c * 256 + v)] == normalize_u8(v, c, normalize));
          }
  }
  CHECK(normalize_u8(255, 0, false) == 1.0f);
  CHECK(normalize_u8(0, 2, false) == 0.0f);
  CHECK(normalize_u8(0, 0, true) ==
        float((0.0 - double(kImageNetMean[0])) * (1.0 / double(kImageNetStd[0]))));
}

TEST_CASE("check_network_input rejects bad uint8 batches with one line", "[image][u8][errors]") {
  const std::vector<uint8_t> px(size_t(32 * 32 * 3));
  CHECK_NOTHROW(check_network_input(ImagesU8{px.data(), 1, 32, 32}));
  test::error_text<ShapeError>([&] { check_network_input(ImagesU8{nullptr, 1, 32, 32}); });
  test::error_text<ShapeError>([&] { check_network_input(ImagesU8{px.data(), 0, 32, 32}); });
  test::error_text<ShapeError>([&] { check_network_input(ImagesU8{px.data(), 1, 31, 32}); });
  test::error_text<ShapeError>([&] { check_network_input(ImagesU8{px.data(), 1, 32, 4097}); });
}

TEST_CASE("resize_u8 is resize_normalize's interpolation rounded to bytes", "[image][u8]") {
  // Up, down and non-square; RGB and gray; the identity size exactly.
  struct Case {
    int w, h, channels, size;
  };
  for (const Case k : {Case{13, 9, 3, 20}, Case{40, 31, 3, 17}, Case{11, 11, 1, 7}, Case{12, 12, 3, 12}}) {
    CAPTURE(k.w, k.h, k.channels, k.size);
    const std::vector<uint8_t> px = test::random_bytes(size_t(k.w * k.h * k.channels), 21);
    const ImageU8View img{px.data(), k.w, k.h, k.channels};
    const size_t n = size_t(k.size * k.size * 3);
    std::vector<uint8_t> bytes(n);
    resize_u8(img, k.size, bytes.data());
    for (const bool normalize : {true, false}) {
      std::vector<float> want(n), got(n);
      resize_normalize(img, k.size, normalize, want.data());
      images_u8_to_nchw(ImagesU8{bytes.data(), 1, k.size, k.size}, normalize, got.data());
      double worst = 0;
      for (size_t i = 0; i < n; ++i) worst = std::max(worst, double(std::fabs(got[i] - want[i])));
      // Half a step of 1/255 over the smallest std (0.224), plus float rounding.
      const double bound = normalize ? 0.5 / 255.0 / 0.224 + 1e-6 : 0.5 / 255.0 + 1e-7;
      CHECK(worst <= bound);
      if (k.w == k.size && k.h == k.size) CHECK(got == want);  // no interpolation: exact
    }
  }
  // The rounding itself: a 2x1 image of 0 and 255 widened to 4 interpolates
  // 0, 63.75, 191.25, 255 -> 0, 64, 191, 255.
  const uint8_t two[6] = {0, 0, 0, 255, 255, 255};
  uint8_t out[4 * 4 * 3];
  resize_u8(ImageU8View{two, 2, 1, 3}, 4, out);
  CHECK(int(out[0]) == 0);
  CHECK(int(out[3]) == 64);
  CHECK(int(out[6]) == 191);
  CHECK(int(out[9]) == 255);
}
