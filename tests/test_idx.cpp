// IDX reader (plain and gzip), the labelled-set checks, and the preprocessing
// of IDX images against the decoded-file path.
#include <zlib.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>
#include <iterator>

#include "model/errors.h"
#include "model/idx.h"
#include "model/image.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

std::string idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, size_t data_bytes, uint8_t fill = 7) {
  std::string s = {0, 0, char(type), char(dims.size())};
  for (uint32_t d : dims) s += {char(d >> 24), char(d >> 16), char(d >> 8), char(d)};
  s += std::string(data_bytes, char(fill));
  return s;
}

void write_file(const std::string& path, const std::string& bytes, bool gz = false) {
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f);
    REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
}

std::string idx_error(const std::string& path) {
  return test::error_text<FileError>([&] { load_idx_u8(path); });
}

}  // namespace

TEST_CASE("IDX files read plain and gzip-compressed", "[idx]") {
  test::TempDir dir;
  for (bool gz : {false, true}) {
    const std::string p = dir.file(gz ? "a.gz" : "a.idx");
    write_file(p, idx_bytes(8, {2, 3, 5}, 30, 42), gz);
    const IdxU8 r = load_idx_u8(p);
    CHECK(r.shape == std::vector<int64_t>{2, 3, 5});
    REQUIRE(r.data.size() == 30);
    CHECK(r.data[29] == 42);
  }
}

TEST_CASE("IDX: bad files give one-line FileErrors", "[idx]") {
  test::TempDir dir;
  const std::string p = dir.file("bad.idx");
  CHECK_THAT(idx_error(dir.file("missing.idx")), ContainsSubstring("no such file"));
  CHECK_THAT(idx_error(dir.path().string()), ContainsSubstring("not a regular file"));
  write_file(p, "");
  CHECK_THAT(idx_error(p), ContainsSubstring("truncated IDX header"));
  write_file(p, std::string("\x01\x00\x08\x01", 4) + std::string(4, '\0'));
  CHECK_THAT(idx_error(p), ContainsSubstring("bad magic"));
  write_file(p, idx_bytes(0x0D, {4}, 16));  // float32 elements
  CHECK_THAT(idx_error(p), ContainsSubstring("not supported"));
  write_file(p, idx_bytes(8, {}, 0));
  CHECK_THAT(idx_error(p), ContainsSubstring("dimension count 0"));
  write_file(p, idx_bytes(8, {3, 0}, 0));
  CHECK_THAT(idx_error(p), ContainsSubstring("is 0"));
  write_file(p, idx_bytes(8, {10, 10}, 99));
  CHECK_THAT(idx_error(p), ContainsSubstring("truncated IDX data"));
  write_file(p, idx_bytes(8, {10, 10}, 101));
  CHECK_THAT(idx_error(p), ContainsSubstring("bytes after the IDX data"));
  write_file(p, idx_bytes(8, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, 0));
  CHECK_THAT(idx_error(p), ContainsSubstring("larger than"));
  const std::string gz = dir.file("cut.gz");  // a gzip stream cut in half
  write_file(gz, idx_bytes(8, {100, 100}, 10000), true);
  std::string all;
  {
    std::ifstream in(gz, std::ios::binary);
    all.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_file(gz, all.substr(0, all.size() / 2));
  const std::string msg = idx_error(gz);
  CHECK((msg.find("truncated") != std::string::npos || msg.find("cannot read") != std::string::npos));
}

TEST_CASE("IDX datasets: images and labels must match", "[idx]") {
  test::TempDir dir;
  const std::string im = dir.file("im"), lb = dir.file("lb");
  write_file(im, idx_bytes(8, {4, 3, 3}, 36));
  write_file(lb, idx_bytes(8, {4}, 4, 2));
  const IdxDataset s = load_idx_dataset(im, lb, 10);
  CHECK(s.count() == 4);
  CHECK(s.channels() == 1);
  CHECK_THAT(test::error_text<FileError>([&] { load_idx_dataset(im, lb, 2); }),
             ContainsSubstring("not below the network's 2 classes"));
  write_file(lb, idx_bytes(8, {5}, 5, 1));
  CHECK_THAT(test::error_text<FileError>([&] { load_idx_dataset(im, lb, 10); }),
             ContainsSubstring("labels must be [4]"));
  write_file(im, idx_bytes(8, {4, 3, 3, 2}, 72));
  CHECK_THAT(test::error_text<FileError>([&] { load_idx_dataset(im, lb, 10); }),
             ContainsSubstring("[N, H, W] or [N, H, W, 3]"));
  write_file(im, idx_bytes(8, {4, 3, 3}, 36));
  write_file(lb, idx_bytes(8, {4}, 4, 1));
  const IdxDataset t = load_idx_dataset(im, lb, 10);
  CHECK_THROWS_AS(idx_batch(t, 3, 2, 8), ShapeError);
  CHECK_THROWS_AS(idx_batch(t, 0, 0, 8), ShapeError);
  CHECK_THROWS_AS(idx_batch(t, 0, 1, 0), ShapeError);
}

// The shipped sample PNG is Fashion-MNIST test image 0 (tools/train_fashion.py):
// decoded and preprocessed like any image, it must equal the IDX path exactly.
TEST_CASE("IDX images preprocess exactly as decoded image files", "[idx][image]") {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::ifstream(dir + "/t10k-images-idx3-ubyte.gz"))
    SKIP("dataset-fashion-mnist is not installed (scripts/setup.sh installs it)");
  const IdxDataset s =
      load_idx_dataset(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz", 10);
  CHECK(s.count() == 10000);
  CHECK(int(s.labels.data[0]) == 9);  // Ankle boot
  const Tensor a = idx_batch(s, 0, 1, 64);
  const Tensor b = load_images({test::data_path("fashion_sample_0.png")}, 64);
  REQUIRE(a.shape == b.shape);
  CHECK(a.data == b.data);
}
