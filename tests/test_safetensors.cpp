// safetensors reader/writer and the fp16/bf16 conversions behind them.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cmath>
#include <cstring>
#include <fstream>

#include "model/errors.h"
#include "model/half.h"
#include "model/safetensors.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {

// Writes an 8-byte length (hlen, or the header's size), the header text and `data_bytes` bytes of data.
void write_raw(const std::string& path, const std::string& header, size_t data_bytes, int64_t hlen = -1) {
  std::ofstream f(path, std::ios::binary);
  const uint64_t n = hlen < 0 ? header.size() : uint64_t(hlen);
  f.write(reinterpret_cast<const char*>(&n), 8);
  f << header;
  const std::string data(data_bytes, '\x01');
  f << data;
}

std::string load_error(const std::string& path) {
  return test::error_text<FileError>([&] { load_safetensors(path); });
}

}  // namespace

TEST_CASE("fp16 conversion rounds to nearest even and round-trips", "[safetensors]") {
  CHECK(float_to_half(1.0f) == 0x3c00);
  CHECK(float_to_half(-2.0f) == 0xc000);
  CHECK(float_to_half(65504.0f) == 0x7bff);
  CHECK(float_to_half(65519.0f) == 0x7bff);
  CHECK(float_to_half(65520.0f) == 0x7c00);  // halfway to the next binade rounds to Inf
  CHECK(float_to_half(-1e9f) == 0xfc00);
  CHECK(float_to_half(0x1.0p-24f) == 0x0001);    // smallest subnormal
  CHECK(float_to_half(0x1.0p-25f) == 0x0000);    // tie between 0 and 2^-24 -> even (0)
  CHECK(float_to_half(0x1.8p-24f) == 0x0002);    // tie between 1 and 2 units -> even (2)
  CHECK(float_to_half(0x1.ff8p-15f) == 0x03ff);  // largest subnormal, 1023 units
  CHECK(float_to_half(0x1.ffcp-15f) == 0x0400);  // tie between 1023 and 1024 units -> even (normal 2^-14)
  CHECK(float_to_half(0x1.ffap-15f) == 0x03ff);  // below the tie -> down
  CHECK(float_to_half(1.0f + 0x1.0p-11f) == 0x3c00);  // tie -> even mantissa 0
  CHECK(float_to_half(1.0f + 0x1.8p-10f) == 0x3c02);  // tie between 1 and 2 -> 2
  CHECK(float_to_half(1.0f + 0x1.2p-11f) == 0x3c01);  // above the tie -> up
  CHECK(std::isnan(half_to_float(float_to_half(std::nanf("")))));
  CHECK(half_to_float(0x0001) == 0x1.0p-24f);
  CHECK(half_to_float(0x7c00) == INFINITY);
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(uint16_t(h));
    if (std::isnan(f)) continue;
    REQUIRE(float_to_half(f) == h);
  }
}

TEST_CASE("bf16 conversion rounds to nearest even and round-trips", "[safetensors]") {
  CHECK(float_to_bf16(1.0f) == 0x3f80);
  CHECK(float_to_bf16(1.0f + 0x1.0p-8f) == 0x3f80);  // tie -> even
  CHECK(float_to_bf16(1.0f + 0x1.8p-7f) == 0x3f82);  // tie -> even (up)
  CHECK(float_to_bf16(1.0f + 0x1.2p-8f) == 0x3f81);
  CHECK(std::isnan(bf16_to_float(float_to_bf16(std::nanf("")))));
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const float f = bf16_to_float(uint16_t(b));
    if (std::isnan(f)) continue;
    REQUIRE(float_to_bf16(f) == b);
  }
}

TEST_CASE("safetensors round trip in F32, F16 and BF16", "[safetensors]") {
  const DType dt = GENERATE(DType::F32, DType::F16, DType::BF16);
  test::TempDir dir;
  std::map<std::string, Tensor> in;
  in["a.weight"] = test::random_tensor({16, 3, 3, 3}, 1, -2.0f, 2.0f);
  in["b"] = test::random_tensor({7}, 2, -100.0f, 100.0f);
  in["scalar"] = test::random_tensor({}, 3);
  in["empty"] = Tensor({0, 5});
  const std::string path = dir.file("w.safetensors");
  save_safetensors(path, in, dt);
  const StateDict sd = load_safetensors(path);
  REQUIRE(sd.size() == in.size());
  for (const auto& [name, t] : in) {
    INFO(name);
    const StoredTensor& st = sd.at(name);
    CHECK(st.dtype == dt);
    REQUIRE(st.value.shape == t.shape);
    REQUIRE(st.value.data.size() == t.data.size());
    for (size_t i = 0; i < t.data.size(); ++i) {
      const float want = dt == DType::F32   ? t.data[i]
                         : dt == DType::F16 ? half_to_float(float_to_half(t.data[i]))
                                            : bf16_to_float(float_to_bf16(t.data[i]));
      REQUIRE(st.value.data[i] == want);
    }
  }
}

TEST_CASE("safetensors reader accepts __metadata__ and keeps other dtypes as shape only", "[safetensors]") {
  test::TempDir dir;
  const std::string path = dir.file("m.safetensors");
  const std::string h =
      R"({"__metadata__":{"format":"pt"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[8,16]}})";
  {
    std::ofstream f(path, std::ios::binary);
    const uint64_t n = h.size();
    f.write(reinterpret_cast<const char*>(&n), 8);
    f << h;
    const float x[2] = {1.5f, -3.25f};
    const int64_t nbt = 7;
    f.write(reinterpret_cast<const char*>(x), 8);
    f.write(reinterpret_cast<const char*>(&nbt), 8);
  }
  const StateDict sd = load_safetensors(path);
  REQUIRE(sd.size() == 2);
  CHECK(sd.at("x").value.data == std::vector<float>{1.5f, -3.25f});
  CHECK(sd.at("bn.num_batches_tracked").dtype == DType::I64);
  CHECK(sd.at("bn.num_batches_tracked").value.shape.empty());
  CHECK(sd.at("bn.num_batches_tracked").value.data.empty());
}

TEST_CASE("safetensors reader rejects malformed files with one line naming the file", "[safetensors]") {
  test::TempDir dir;
  const std::string p = dir.file("bad.safetensors");
  const std::string ok = R"({"x":{"dtype":"F32","shape":[2, 3],"data_offsets":[0,24]}})";

  SECTION("missing file") {
    const std::string msg = load_error(dir.file("nope.safetensors"));
    CHECK_THAT(msg, ContainsSubstring("nope.safetensors") && ContainsSubstring("cannot open"));
  }
  SECTION("shorter than 8 bytes") {
    std::ofstream(p, std::ios::binary) << "abcde";
    CHECK_THAT(load_error(p), ContainsSubstring(p) && ContainsSubstring("shorter than the 8-byte"));
  }
  SECTION("header length past the end of the file") {
    write_raw(p, ok, 24, 100000);
    CHECK_THAT(load_error(p), ContainsSubstring(p) && ContainsSubstring("past the end"));
  }
  SECTION("truncated data section") {
    write_raw(p, ok, 20);
    CHECK_THAT(load_error(p), ContainsSubstring("'x'") && ContainsSubstring("outside the data section"));
  }
  SECTION("header is not JSON") {
    write_raw(p, R"({"x": {"dtype": "F32", )", 24);
    CHECK_THAT(load_error(p), ContainsSubstring(p) && ContainsSubstring("not valid JSON"));
  }
  SECTION("header is not an object") {
    write_raw(p, R"([1, 2, 3])", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("not a JSON object"));
  }
  SECTION("entry is not an object") {
    write_raw(p, R"({"x": 5})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("'x'") && ContainsSubstring("not an object"));
  }
  SECTION("unknown dtype") {
    write_raw(p, R"({"x":{"dtype":"F17","shape":[2, 3],"data_offsets":[0,24]}})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("'x'") && ContainsSubstring("unknown dtype 'F17'"));
  }
  SECTION("missing dtype") {
    write_raw(p, R"({"x":{"shape":[2, 3],"data_offsets":[0,24]}})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("dtype"));
  }
  SECTION("negative shape entry") {
    write_raw(p, R"({"x":{"dtype":"F32","shape":[-2, 3],"data_offsets":[0,24]}})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("shape entries"));
  }
  SECTION("data_offsets with one value") {
    write_raw(p, R"({"x":{"dtype":"F32","shape":[2, 3],"data_offsets":[0]}})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("data_offsets"));
  }
  SECTION("data_offsets out of range") {
    write_raw(p, R"({"x":{"dtype":"F32","shape":[2, 3],"data_offsets":[24,48]}})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("'x'") && ContainsSubstring("outside the data section"));
  }
  SECTION("data_offsets reversed") {
    write_raw(p, R"({"x":{"dtype":"F32","shape":[2, 3],"data_offsets":[24,0]}})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("'x'") && ContainsSubstring("reversed"));
  }
  SECTION("data_offsets do not match shape * itemsize") {
    write_raw(p, R"({"x":{"dtype":"F16","shape":[2, 3],"data_offsets":[0,24]}})", 24);
    CHECK_THAT(load_error(p), ContainsSubstring("'x'") && ContainsSubstring("needs 12"));
  }
  SECTION("overlapping ranges") {
    write_raw(p,
              R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
              R"("z":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},)"
              R"("b":{"dtype":"F32","shape":[3],"data_offsets":[12,24]}})",
              24);
    CHECK_THAT(load_error(p),
               ContainsSubstring("overlapping") && ContainsSubstring("'a'") && ContainsSubstring("'b'"));
  }
}

TEST_CASE("save_safetensors rejects bad input", "[safetensors]") {
  test::TempDir dir;
  std::map<std::string, Tensor> t;
  t["x"] = test::random_tensor({3}, 4);
  test::error_text<UsageError>([&] { save_safetensors(dir.file("a.safetensors"), t, DType::I32); });
  t["x"].data.pop_back();
  test::error_text<ShapeError>([&] { save_safetensors(dir.file("b.safetensors"), t); });
  t["x"] = test::random_tensor({3}, 4);
  CHECK_THAT(test::error_text<FileError>([&] { save_safetensors(dir.file("no/such/dir.safetensors"), t); }),
             ContainsSubstring("cannot write"));
}

TEST_CASE("safetensors header: strictly the format (unique names, string metadata, space padding)",
          "[safetensors][strict]") {
  test::TempDir dir;
  const std::string p = dir.file("s.safetensors");
  const std::string x = R"("x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  SECTION("accepted: space padding, string-to-string metadata") {
    write_raw(p, "{" + x + R"(,"__metadata__":{"format":"pt"}})" + "       ", 8);
    CHECK(load_safetensors(p).size() == 1);
  }
  // Each of these was accepted before (the last duplicate won; nlohmann stopped at the NUL).
  const std::pair<std::string, std::string> bad[] = {
      {"{" + x + "," + x + "}", "names 'x' twice"},
      {R"({"x":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}})", "names 'dtype' twice"},
      {"{" + x + std::string("}\0{\"junk\"", 9), "NUL byte"},
      {"{" + x + "}\n\t", "padded with something other than spaces"},
      {" {" + x + "}", "does not start with '{'"},
      {"{" + x + R"(,"__metadata__":{"n":1}})", "'n' is not a string"},
      {"{" + x + R"(,"__metadata__":{"n":{"deep":"x"}}})", "'n' is not a string"},
      {"{" + x + R"(,"__metadata__":["a"]})", "__metadata__ is not an object"},
  };
  for (const auto& [header, why] : bad) {
    INFO(header);
    write_raw(p, header, 8);
    CHECK_THAT(load_error(p), ContainsSubstring(p) && ContainsSubstring(why));
  }
}

TEST_CASE("parse_safetensors (the fuzz entry point) reads bytes as load_safetensors reads the file",
          "[safetensors]") {
  test::TempDir dir;
  save_safetensors(dir.file("w.safetensors"), {{"a", test::random_tensor({3, 2}, 5)}});
  const std::string b = test::slurp(dir.file("w.safetensors"));
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  const StateDict sd = parse_safetensors(p, b.size(), "mem.safetensors");
  REQUIRE(sd.count("a") == 1);
  CHECK(sd.at("a").value.data == load_safetensors(dir.file("w.safetensors")).at("a").value.data);
  CHECK_THAT(test::error_text<FileError>([&] { parse_safetensors(p, 7, "mem.safetensors"); }),
             ContainsSubstring("mem.safetensors") && ContainsSubstring("8-byte"));
  CHECK_THAT(test::error_text<FileError>([&] { parse_safetensors(nullptr, 0, "empty.safetensors"); }),
             ContainsSubstring("empty.safetensors"));
}
