// The host side of the uint8 input path (model/preprocess.h): normalize_u8 is
// resize_normalize's arithmetic at the same size, bit for bit, and
// images_u8_to_nchw moves NHWC bytes to NCHW floats; check_network_input of
// uint8 batches. The GPU side: tests/test_vk_input_u8.cpp.
#include <catch2/catch_test_macros.hpp>
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
