// .npy reader and writer.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>

#include "model/errors.h"
#include "model/npy.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

// A .npy file with format version `major`, the given header dict text and `data_bytes` bytes of data.
void write_npy_raw(const std::string& path, int major, std::string header, const std::vector<float>& data,
                   size_t drop_bytes = 0) {
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  f.write("\x93NUMPY", 6);
  f.put(char(major));
  f.put(0);
  const uint32_t n = uint32_t(header.size());
  f.write(reinterpret_cast<const char*>(&n), major == 1 ? 2 : 4);
  f << header;
  f.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * 4 - drop_bytes));
}

std::string npy_error(const std::string& path) {
  return test::error_text<FileError>([&] { load_npy(path); });
}

}  // namespace

TEST_CASE("npy round trip keeps shape and values", "[npy]") {
  const std::vector<int64_t> shape = GENERATE(std::vector<int64_t>{1, 3, 17, 9}, std::vector<int64_t>{5},
                                              std::vector<int64_t>{3, 1000}, std::vector<int64_t>{});
  test::TempDir dir;
  const Tensor t = test::random_tensor(shape, 11);
  save_npy(dir.file("t.npy"), t);
  const Tensor u = load_npy(dir.file("t.npy"));
  CHECK(u.shape == t.shape);
  CHECK(u.data == t.data);
}

TEST_CASE("npy reader accepts format versions 1, 2 and 3", "[npy]") {
  const int major = GENERATE(1, 2, 3);
  test::TempDir dir;
  const Tensor t = test::random_tensor({2, 3}, 12);
  write_npy_raw(dir.file("v.npy"), major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                t.data);
  const Tensor u = load_npy(dir.file("v.npy"));
  CHECK(u.shape == t.shape);
  CHECK(u.data == t.data);
}

TEST_CASE("npy writer output has the standard aligned v1 header", "[npy]") {
  test::TempDir dir;
  save_npy(dir.file("h.npy"), test::random_tensor({4, 2}, 13));
  std::ifstream f(dir.file("h.npy"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 10);
  const size_t hlen = size_t(uint8_t(bytes[8])) | size_t(uint8_t(bytes[9])) << 8;
  CHECK((10 + hlen) % 64 == 0);
  CHECK(bytes.size() == 10 + hlen + 8 * 4);
  const std::string header = bytes.substr(10, hlen);
  CHECK_THAT(header, ContainsSubstring("'descr': '<f4'") && ContainsSubstring("'fortran_order': False") &&
                         ContainsSubstring("'shape': (4, 2)"));
  CHECK(header.back() == '\n');
}

TEST_CASE("npy reader rejects bad files with one line naming the file", "[npy]") {
  test::TempDir dir;
  const std::string p = dir.file("bad.npy");
  const std::vector<float> six = test::random_tensor({6}, 14).data;
  SECTION("missing file") {
    CHECK_THAT(npy_error(dir.file("nope.npy")),
               ContainsSubstring("nope.npy") && ContainsSubstring("cannot open"));
  }
  SECTION("bad magic") {
    std::ofstream(p, std::ios::binary) << "PK\x03\x04 this is a zip file, not npy";
    CHECK_THAT(npy_error(p), ContainsSubstring(p) && ContainsSubstring("bad magic"));
  }
  SECTION("truncated data") {
    write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", six, 4);
    CHECK_THAT(npy_error(p), ContainsSubstring(p) && ContainsSubstring("truncated"));
  }
  SECTION("truncated header") {
    write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", {});
    std::filesystem::resize_file(p, 30);
    CHECK_THAT(npy_error(p), ContainsSubstring("truncated npy header"));
  }
  SECTION("dtype float64") {
    write_npy_raw(p, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", six);
    CHECK_THAT(npy_error(p), ContainsSubstring("'<f8'") && ContainsSubstring("not supported"));
  }
  SECTION("dtype int32") {
    write_npy_raw(p, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (6,), }", six);
    CHECK_THAT(npy_error(p), ContainsSubstring("'<i4'"));
  }
  SECTION("big-endian float32") {
    write_npy_raw(p, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", six);
    CHECK_THAT(npy_error(p), ContainsSubstring("'>f4'"));
  }
  SECTION("fortran order") {
    write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", six);
    CHECK_THAT(npy_error(p), ContainsSubstring("fortran_order True"));
  }
  SECTION("missing shape") {
    write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, }", six);
    CHECK_THAT(npy_error(p), ContainsSubstring("'shape'"));
  }
  SECTION("malformed shape") {
    write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", six);
    CHECK_THAT(npy_error(p), ContainsSubstring("shape"));
  }
  SECTION("unknown version") {
    write_npy_raw(p, 9, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", six);
    CHECK_THAT(npy_error(p), ContainsSubstring("version 9"));
  }
}

TEST_CASE("save_npy rejects a tensor whose data does not match its shape", "[npy]") {
  test::TempDir dir;
  Tensor t = test::random_tensor({2, 2}, 15);
  t.data.push_back(1.0f);
  test::error_text<ShapeError>([&] { save_npy(dir.file("x.npy"), t); });
  CHECK_THAT(
      test::error_text<FileError>([&] { save_npy(dir.file("no/dir/x.npy"), test::random_tensor({2}, 1)); }),
      ContainsSubstring("cannot write"));
}

TEST_CASE("npy header: exactly what numpy writes and accepts", "[npy][strict]") {
  test::TempDir dir;
  const std::string p = dir.file("h.npy");
  const std::vector<float> six = test::random_tensor({6}, 15).data;
  SECTION("accepted: any key order, double quotes, no trailing comma, a scalar") {
    write_npy_raw(p, 1, "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}", six);
    CHECK(load_npy(p).shape == std::vector<int64_t>{2, 3});
    write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", {six[0]});
    CHECK(load_npy(p).shape.empty());
  }
  // Each of these is refused by numpy (or, for a repeated key, read differently
  // from what the first occurrence says); the old reader accepted them all.
  const char* bad[][2] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'shape': (2, 3), }", "twice"},
      {"{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", "twice"},
      {"{'descr': '<f4' 'fortran_order': False, 'shape': (6,), }", "expected ','"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1, }", "unexpected key 'extra'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [6], }", "expected '('"},
      {"['descr': '<f4', 'fortran_order': False, 'shape': (6,), ]", "expected '{'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", "not a tuple"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (6,), }", "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } trailing", "after the header"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 3), }", "non-negative integers"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-6,), }", "non-negative integers"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (06,), }", "leading zero"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), ", "quoted string"},
  };
  for (const auto& [header, why] : bad) {
    INFO(header);
    write_npy_raw(p, 1, header, six);
    CHECK_THAT(npy_error(p), ContainsSubstring(p) && ContainsSubstring(why));
  }
}

TEST_CASE("npy shape products are checked, never wrapped", "[npy][overflow]") {
  test::TempDir dir;
  const std::string p = dir.file("big.npy");
  // 2^32 * 2^32 wraps to 0 elements, 0 bytes: the old reader accepted it with no data.
  write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", {});
  CHECK_THAT(npy_error(p), ContainsSubstring("too large"));
  // 2^61 * 6 floats wraps to 24 bytes, the data that is there.
  write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952, 6), }",
                test::random_tensor({6}, 16).data);
  CHECK_THAT(npy_error(p), ContainsSubstring("too large"));
  write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", {});
  CHECK_THAT(npy_error(p), ContainsSubstring("64 bits"));
  // A shape with a zero dimension is fine: no data.
  write_npy_raw(p, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904), }", {});
  CHECK(load_npy(p).numel() == 0);
}

TEST_CASE("Tensor::numel_of throws instead of overflowing", "[tensor][overflow]") {
  CHECK(Tensor::numel_of({2, 3, 4}) == 24);
  CHECK(Tensor::numel_of({}) == 1);
  test::error_text<ShapeError>([] { Tensor::numel_of({int64_t(1) << 62, 4}); });
  test::error_text<ShapeError>([] { Tensor::numel_of({3, -1}); });
}

TEST_CASE("parse_npy (the fuzz entry point) reads bytes as load_npy reads the file", "[npy]") {
  test::TempDir dir;
  const Tensor t = test::random_tensor({2, 3, 4}, 17);
  save_npy(dir.file("t.npy"), t);
  const std::string b = test::slurp(dir.file("t.npy"));
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  const Tensor m = parse_npy(p, b.size(), "mem.npy");
  CHECK(m.shape == t.shape);
  CHECK(m.data == t.data);
  CHECK(npy_bytes(t) == std::vector<unsigned char>(b.begin(), b.end()));
  CHECK_THAT(test::error_text<FileError>([&] { parse_npy(p, b.size() - 1, "mem.npy"); }),
             ContainsSubstring("mem.npy") && ContainsSubstring("truncated"));
  CHECK_THAT(test::error_text<FileError>([&] { parse_npy(nullptr, 0, "empty.npy"); }),
             ContainsSubstring("empty.npy"));
}
