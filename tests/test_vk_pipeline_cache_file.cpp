// The pipeline cache file (vk_runtime/pipeline_cache_file.h): a magic header,
// never read from anything that is not one of our cache files, never written
// over anything that is not a pipeline cache.
#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstring>
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

namespace {
// A bare VkPipelineCacheHeaderVersionOne (headerSize 32, version 1, ids, UUID) and driver bytes.
std::string bare_vulkan_cache(uint32_t header_size = 32, uint32_t version = 1) {
  std::string b(48, '\x5a');
  std::memcpy(b.data(), &header_size, 4);
  std::memcpy(b.data() + 4, &version, 4);
  return b;
}
}  // namespace

TEST_CASE("pipeline cache file: a bare Vulkan cache (the old format) is replaced, with a warning",
          "[runtime][cache]") {
  test::TempDir dir;
  const std::string path = dir.file("0000-0000-00000000.bin");
  put(path, bare_vulkan_cache());
  const vk::PipelineCacheFile f = vk::read_pipeline_cache_file(path);
  CHECK(f.writable);
  CHECK(f.data.empty());
  CHECK_THAT(f.warning, ContainsSubstring("will be replaced"));
  std::string why;
  REQUIRE(vk::write_pipeline_cache_file(path, {'n', 'e', 'w'}, &why));
  CHECK(slurp(path).substr(0, 8) == "EFVKPC01");
  CHECK(vk::read_pipeline_cache_file(path).data == std::vector<char>{'n', 'e', 'w'});
}

TEST_CASE("pipeline cache file: what only resembles a Vulkan cache header is left untouched",
          "[runtime][cache]") {
  const auto [header_size, version] = GENERATE(table<uint32_t, uint32_t>({
      {31, 1},    // headerSize below VersionOne's 32 bytes
      {4096, 1},  // headerSize past the end of the file
      {32, 2},    // an unknown header version
  }));
  test::TempDir dir;
  const std::string path = dir.file("cache.bin");
  const std::string content = bare_vulkan_cache(header_size, version);
  put(path, content);
  const vk::PipelineCacheFile f = vk::read_pipeline_cache_file(path);
  CHECK(!f.writable);
  CHECK_THAT(f.warning, ContainsSubstring("not an effnet-vk pipeline cache"));
  std::string why;
  CHECK(!vk::write_pipeline_cache_file(path, {'x'}, &why));
  CHECK(slurp(path) == content);
}
