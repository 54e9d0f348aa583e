// model/file_io: only regular files are read, without blocking, within a size bound.
#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>

#include "model/errors.h"
#include "model/file_io.h"
#include "model/npy.h"
#include "model/safetensors.h"
#include "tests/support/error_text.h"
#include "tests/support/test_util.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {
std::string read_error(const std::string& path, uint64_t max = kMaxFileBytes) {
  return test::error_text<FileError>([&] { read_file_bytes(path, max); });
}
}  // namespace

TEST_CASE("read_file_bytes reads a regular file whole", "[file_io]") {
  test::TempDir dir;
  write_file_bytes(dir.file("a.bin"), {1, 2, 3});
  CHECK(read_file_bytes(dir.file("a.bin")) == std::vector<unsigned char>{1, 2, 3});
  write_file_bytes(dir.file("e.bin"), {});
  CHECK(read_file_bytes(dir.file("e.bin")).empty());
}

TEST_CASE("read_file_bytes refuses what is not a regular file, without blocking", "[file_io]") {
  test::TempDir dir;
  SECTION("a FIFO (opening one for reading blocks until a writer comes)") {
    REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
    CHECK_THAT(read_error(dir.file("fifo")), ContainsSubstring("fifo") && ContainsSubstring("FIFO"));
    // Every loader goes through it.
    test::error_text<FileError>([&] { load_npy(dir.file("fifo")); });
    test::error_text<FileError>([&] { load_safetensors(dir.file("fifo")); });
  }
  SECTION("/dev/zero (endless)") {
    CHECK_THAT(read_error("/dev/zero"),
               ContainsSubstring("/dev/zero") && ContainsSubstring("character device"));
  }
  SECTION("a directory") { CHECK_THAT(read_error(dir.path().string()), ContainsSubstring("directory")); }
  SECTION("missing") { CHECK_THAT(read_error(dir.file("nope")), ContainsSubstring("cannot open")); }
  SECTION("empty name") { read_error(""); }
}

TEST_CASE("read_file_bytes checks the size bound before reading", "[file_io]") {
  test::TempDir dir;
  write_file_bytes(dir.file("a.bin"), std::vector<unsigned char>(100, 7));
  CHECK(read_file_bytes(dir.file("a.bin"), 100).size() == 100);
  CHECK_THAT(read_error(dir.file("a.bin"), 99), ContainsSubstring("100 bytes") && ContainsSubstring("limit"));
}

TEST_CASE("write_file_bytes does not block on a FIFO without a reader", "[file_io]") {
  test::TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  CHECK_THAT(test::error_text<FileError>([&] { write_file_bytes(dir.file("fifo"), {1}); }),
             ContainsSubstring("cannot write"));
}
