// The pipeline cache file (vk_runtime/pipeline_cache_file.h): a magic header,
// never read from or written over anything that is not one of our cache files.
#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fstream>
#include <iterator>

#include "tests/support/test_util.h"
#include "vk_runtime/pipeline_cache_file.h"

using namespace effnet;
using Catch::Matchers::ContainsSubstring;

namespace {
using test::put;
using test::slurp;
}  // namespace

TEST_CASE("pipeline cache file: round trip with the magic header", "[runtime][cache]") {
  test::TempDir dir;
  const std::string path = dir.file("sub/cache.bin");
  vk::PipelineCacheFile f = vk::read_pipeline_cache_file(path);
  CHECK(f.writable);
  CHECK(f.data.empty());
  CHECK(f.warning.empty());
  std::string why;
  REQUIRE(vk::write_pipeline_cache_file(path, {'a', 'b', 'c'}, &why));
  CHECK(slurp(path).substr(0, 8) == "EFVKPC01");
  f = vk::read_pipeline_cache_file(path);
  CHECK(f.writable);
  CHECK(f.data == std::vector<char>{'a', 'b', 'c'});
  // A truncated cache of ours is ignored but may be replaced.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
  f = vk::read_pipeline_cache_file(path);
  CHECK(f.writable);
  CHECK(f.data.empty());
  CHECK_THAT(f.warning, ContainsSubstring("truncated"));
}

TEST_CASE("pipeline cache file: another file is never written over", "[runtime][cache]") {
  test::TempDir dir;
  const std::string path = dir.file("notes.txt");
  put(path, "my notes, not a cache");
  const vk::PipelineCacheFile f = vk::read_pipeline_cache_file(path);
  CHECK(!f.writable);
  CHECK(f.data.empty());
  CHECK_THAT(f.warning, ContainsSubstring("not an effnet-vk pipeline cache"));
  std::string why;
  CHECK(!vk::write_pipeline_cache_file(path, {'x'}, &why));
  CHECK(slurp(path) == "my notes, not a cache");
}

TEST_CASE("pipeline cache file: a directory or a FIFO is a warning, not a hang or an error",
          "[runtime][cache]") {
  test::TempDir dir;
  vk::PipelineCacheFile f = vk::read_pipeline_cache_file(dir.path().string());
  CHECK(!f.writable);
  CHECK_THAT(f.warning, ContainsSubstring("is a directory"));
  std::string why;
  CHECK(!vk::write_pipeline_cache_file(dir.path().string(), {'x'}, &why));
  CHECK(std::filesystem::is_directory(dir.path()));

  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  f = vk::read_pipeline_cache_file(dir.file("fifo"));
  CHECK(!f.writable);
  CHECK_THAT(f.warning, ContainsSubstring("not a regular file"));
  CHECK(!vk::write_pipeline_cache_file(dir.file("fifo"), {'x'}, &why));
}
