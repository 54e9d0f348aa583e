// vk_runtime: device list, context options and selection errors, capability
// report, buffers and sequences, embedded shaders, required subgroup sizes,
// pipeline cache.
#include <vulkan/vulkan.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "apps/context_env.h"
#include "shaders/abi.h"
#include "shaders/embedded.h"
#include "shaders/variant_names.h"
#include "tests/support/error_text.h"
#include "tests/test_vk_support.h"
#include "vk_runtime/algorithm.h"
#include "vk_runtime/buffer.h"
#include "vk_runtime/sequence.h"

using namespace effnet;

namespace {

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_.c_str(), old_.c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

// The options of the shared context (the environment's), for device `index`.
vk::ContextOptions options_for(uint32_t index) {
  vk::ContextOptions o = app::context_options_from_env();
  o.gpu = int(index);
  return o;
}

bool validation_layer_installed() {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, "VK_LAYER_KHRONOS_validation") == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("list_devices reports every device with a sane capability report", "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const auto devs = vk::list_devices();
  REQUIRE(!devs.empty());
  for (const auto& d : devs) {
    INFO(d.report());
    CHECK(!d.name.empty());
    CHECK(!d.line().empty());
    CHECK(d.report().find(d.name) != std::string::npos);
  }
  const vk::DeviceInfo& d = ctx.info();
  INFO(d.report());
  CHECK(d.usable());
  CHECK(d.api_version >= VK_API_VERSION_1_3);
  CHECK(d.subgroup_size >= 1);
  CHECK(d.max_shared_memory >= 16384);  // Vulkan's required minimum
  CHECK(d.max_workgroup_invocations >= 128);
  CHECK(d.max_workgroup_size[0] >= 128);
  CHECK(d.max_storage_buffer_range >= (1u << 27));
  CHECK(d.device_local_bytes > 0);
  CHECK(!d.driver.empty());
  CHECK(d.api_version_str.find('.') != std::string::npos);
  if (d.timestamp_valid_bits > 0) CHECK(d.timestamp_period_ns > 0.0f);
  for (const auto& s : d.coopmat_shapes) CHECK((s.m > 0 && s.n > 0 && s.k > 0));
  CHECK(vk::default_device_index(devs) < devs.size());
}

TEST_CASE("a bad device index is a DeviceError that lists the devices", "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const auto devs = vk::list_devices();
  vk::ContextOptions o = options_for(ctx.info().index);
  o.gpu = int(devs.size()) + 3;
  std::string msg = test::error_text<vk::DeviceError>([&] { vk::Context c(o); });
  CHECK(msg.find("out of range") != std::string::npos);
  CHECK(msg.find(devs[0].name) != std::string::npos);
  o.gpu = -7;
  msg = test::error_text<vk::DeviceError>([&] { vk::Context c(o); });
  CHECK(msg.find(devs[0].name) != std::string::npos);
  {
    ScopedEnv env("EFFNET_GPU", "banana");
    msg = test::error_text<vk::DeviceError>([&] { app::context_options_from_env(); });
    CHECK(msg.find("EFFNET_GPU") != std::string::npos);
    CHECK(msg.find(devs[0].name) != std::string::npos);
    CHECK(app::context_options_from_env(0).gpu == 0);  // --gpu wins, EFFNET_GPU is not read
  }
  {
    ScopedEnv env("EFFNET_GPU", "99");
    CHECK(app::context_options_from_env().gpu == 99);
    test::error_text<vk::DeviceError>([&] { vk::Context c(app::context_options_from_env()); });
  }
  {
    ScopedEnv env("EFFNET_GPU", std::to_string(ctx.info().index).c_str());
    vk::Context c(app::context_options_from_env());  // the env var picks a valid device
    CHECK(c.info().index == ctx.info().index);
  }
}

TEST_CASE("context_options_from_env: one rule for switches, the pipeline cache location", "[vk][runtime]") {
  ScopedEnv gpu("EFFNET_GPU", "");
  for (const char* off : {"", "0"}) {
    ScopedEnv v("EFFNET_VK_VALIDATION", off), f("EFFNET_VK_NO_FP16", off), s("EFFNET_VK_PIPELINE_STATS", off),
        c("EFFNET_NO_COOPMAT", off);
    const vk::ContextOptions o = app::context_options_from_env();
    CHECK(o.gpu == -1);
    CHECK(!o.validation);
    CHECK(!o.no_fp16);
    CHECK(!o.pipeline_stats);
    CHECK(!app::env_flag("EFFNET_NO_COOPMAT"));
  }
  for (const char* on : {"1", "yes"}) {
    ScopedEnv v("EFFNET_VK_VALIDATION", on), f("EFFNET_VK_NO_FP16", on), s("EFFNET_VK_PIPELINE_STATS", on),
        c("EFFNET_NO_COOPMAT", on);
    const vk::ContextOptions o = app::context_options_from_env();
    CHECK(o.validation);
    CHECK(o.no_fp16);
    CHECK(o.pipeline_stats);
    CHECK(app::env_flag("EFFNET_NO_COOPMAT"));
  }
  CHECK(!app::env_flag("EFFNET_TEST_SURELY_UNSET_VARIABLE"));
  {
    ScopedEnv c("EFFNET_PIPELINE_CACHE", "/tmp/x/cache.bin");
    const vk::ContextOptions o = app::context_options_from_env();
    CHECK(o.pipeline_cache_file == "/tmp/x/cache.bin");
  }
  for (const char* off : {"", "0", "off"}) {
    ScopedEnv c("EFFNET_PIPELINE_CACHE", off);
    const vk::ContextOptions o = app::context_options_from_env();
    CHECK(o.pipeline_cache_file.empty());
    CHECK(o.pipeline_cache_dir.empty());
  }
  {
    ScopedEnv x("XDG_CACHE_HOME", "/tmp/xdg");
    ScopedEnv c("EFFNET_PIPELINE_CACHE", "");
    unsetenv("EFFNET_PIPELINE_CACHE");  // restored by `c`
    const vk::ContextOptions o = app::context_options_from_env();
    CHECK(o.pipeline_cache_file.empty());
    CHECK(o.pipeline_cache_dir == "/tmp/xdg/effnet-vk");
    vk::DeviceInfo d;
    d.vendor_id = 0x10de;
    d.device_id = 0x2335;
    d.driver_version = 0x91234000;
    CHECK(vk::pipeline_cache_path("", o.pipeline_cache_dir, d) ==
          "/tmp/xdg/effnet-vk/10de-2335-91234000.bin");
    CHECK(vk::pipeline_cache_path("/a/b.bin", o.pipeline_cache_dir, d) == "/a/b.bin");
    CHECK(vk::pipeline_cache_path("", "", d).empty());
  }
}

TEST_CASE("ContextOptions: validation on, fp16 off, defaults without a cache file", "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(shared);
  vk::ContextOptions o;
  o.gpu = int(shared.info().index);
  {
    vk::Context c(o);  // the defaults: no layer, no file
    CHECK(!c.validation_enabled());
    CHECK(c.pipeline_cache_path().empty());
    CHECK(c.info().index == shared.info().index);
  }
  o.validation = true;
  o.no_fp16 = true;
  vk::Context c(o);
  CHECK(c.validation_enabled() == validation_layer_installed());
  CHECK(!c.info().fp16_arithmetic);
  CHECK(!c.info().storage16);
  CHECK(!c.info().has_coopmat);
  CHECK(c.info().coopmat_shapes.empty());
  // A pipeline under the layer (no validation message may appear: vk.validation_layers).
  vk::Buffer b[4] = {
      vk::Buffer(c, 64, vk::MemoryKind::DeviceLocal), vk::Buffer(c, 64, vk::MemoryKind::DeviceLocal),
      vk::Buffer(c, 64, vk::MemoryKind::DeviceLocal), vk::Buffer(c, 64, vk::MemoryKind::DeviceLocal)};
  vk::Algorithm a(c, "dw", shaders::find_spirv("depthwise_fp32"),
                  {{&b[0], false}, {&b[1], false}, {&b[2], false}, {&b[3], true}}, vk::SpecConstants{}, 32);
  CHECK(a.pipeline() != VK_NULL_HANDLE);
}

TEST_CASE("the cooperative-matrix report needs vulkanMemoryModel", "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const vk::DeviceInfo& d = ctx.info();
  INFO(d.report());
  if (d.has_coopmat) CHECK(d.vulkan_memory_model);
  if (d.vulkan_memory_model_device_scope) CHECK(d.vulkan_memory_model);
  CHECK(d.report().find("Vulkan memory model: ") != std::string::npos);
}

TEST_CASE("buffers round-trip through a recorded, replayed sequence", "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const size_t n = 1001;
  vk::Buffer up(ctx, n * 4, vk::MemoryKind::Upload), dev(ctx, n * 4, vk::MemoryKind::DeviceLocal),
      down(ctx, n * 4, vk::MemoryKind::Readback);
  REQUIRE(up.mapped() != nullptr);
  REQUIRE(down.mapped() != nullptr);
  CHECK(dev.mapped() == nullptr);
  vk::Sequence seq(ctx, 2);
  seq.begin();
  seq.timestamp(0);
  seq.copy(up, dev, n * 4);
  seq.copy(dev, down, n * 4);
  seq.timestamp(1);
  seq.end();
  for (int round = 0; round < 3; ++round) {  // recorded once, replayed with new data
    auto* in = static_cast<float*>(up.mapped());
    for (size_t i = 0; i < n; ++i) in[i] = float(i) * 0.5f + float(round);
    up.flush();
    std::memset(down.mapped(), 0xff, n * 4);
    seq.submit_and_wait();
    down.invalidate();
    const auto* out = static_cast<const float*>(down.mapped());
    CHECK(std::memcmp(in, out, n * 4) == 0);
  }
  const auto ts = seq.timestamps_ns();
  if (seq.has_timestamps()) {
    REQUIRE(ts.size() == 2);
    CHECK(ts[1] >= ts[0]);
  }
  CHECK_THROWS_AS(vk::Buffer(ctx, 0, vk::MemoryKind::DeviceLocal), vk::DeviceError);
  vk::Sequence empty(ctx);
  test::error_text<vk::DeviceError>([&] { empty.submit_and_wait(); });
}

TEST_CASE("every shader variant is embedded as SPIR-V", "[vk][runtime]") {
  const auto names = shaders::spirv_names();
  REQUIRE(names.size() >= 10);
  for (const auto& n : names) {
    INFO(n);
    const auto words = shaders::find_spirv(n);
    REQUIRE(words.size() > 5);
    CHECK(words[0] == 0x07230203u);  // SPIR-V magic
  }
  CHECK(shaders::find_spirv("no_such_shader").empty());
  // The generated names (shaders/variant_names.h) are the registry's.
  namespace sv = shaders::variant;
  for (const char* n :
       {sv::gemm_fp32, sv::gemm_fp16, sv::gemm_head_pool_fp16, sv::gemm_out_f32_fp16, sv::depthwise_fp32,
        sv::stem_conv_fp16, sv::gemm_coopmat_fp16, sv::mbconv_reduce_fp32})
    CHECK(!shaders::find_spirv(n).empty());
}

TEST_CASE("an Algorithm without SPIR-V or without a buffer is a DeviceError", "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  vk::Buffer b(ctx, 64, vk::MemoryKind::DeviceLocal);
  test::error_text<vk::DeviceError>([&] {
    vk::Algorithm a(ctx, "empty", {}, {{&b, true}}, vk::SpecConstants{}, 0);
  });
  test::error_text<vk::DeviceError>([&] {
    vk::Algorithm a(ctx, "unbound", shaders::find_spirv("depthwise_fp32"), {{nullptr, false}},
                    vk::SpecConstants{}, 32);
  });
}

TEST_CASE("an Algorithm requires the subgroup size it assumes where the device allows", "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const vk::DeviceInfo& d = ctx.info();
  INFO(d.report());
  // What the device reports (lavapipe, Mesa 25: subgroup size 8, size control
  // [8, 8], full subgroups, 32 subgroups per workgroup; the test adapts).
  WARN("subgroup size " << d.subgroup_size << ", size control " << d.subgroup_size_control << " ["
                        << d.min_subgroup_size << ", " << d.max_subgroup_size << "], full subgroups "
                        << d.compute_full_subgroups << ", max subgroups per workgroup "
                        << d.max_compute_workgroup_subgroups);
  if (d.subgroup_size_control) {
    CHECK(d.min_subgroup_size >= 1);
    CHECK(d.min_subgroup_size <= d.subgroup_size);
    CHECK(d.subgroup_size <= d.max_subgroup_size);
  }
  CHECK(d.can_require_subgroup_size(d.subgroup_size) == d.subgroup_size_control);
  CHECK(!d.can_require_subgroup_size(0));
  CHECK(!d.can_require_subgroup_size(3));
  CHECK(!d.can_require_subgroup_size(d.max_subgroup_size * 2));

  vk::Buffer b[4] = {
      vk::Buffer(ctx, 1024, vk::MemoryKind::DeviceLocal), vk::Buffer(ctx, 1024, vk::MemoryKind::DeviceLocal),
      vk::Buffer(ctx, 1024, vk::MemoryKind::DeviceLocal), vk::Buffer(ctx, 1024, vk::MemoryKind::DeviceLocal)};
  const std::vector<vk::Binding> bind = {{&b[0], false}, {&b[1], false}, {&b[2], false}, {&b[3], true}};
  const uint32_t sg = d.subgroup_size;
  const uint32_t wg = 4 * sg;  // a multiple of the subgroup: full subgroups may be required
  vk::SpecConstants sc;
  sc.set(EFFNET_SC_WG_SIZE, wg);
  const auto spirv = shaders::find_spirv("depthwise_fp32");
  const size_t kernels0 = ctx.kernels().size();
  vk::Algorithm plain(ctx, "dw_sg", spirv, bind, sc, 32);
  vk::Algorithm sized(ctx, "dw_sg", spirv, bind, sc, 32, vk::PipelineOptions{sg, {wg, 1, 1}});
  CHECK(plain.required_subgroup_size() == 0);
  CHECK(!plain.full_subgroups());
  CHECK(sized.required_subgroup_size() == (d.subgroup_size_control ? sg : 0));
  CHECK(sized.full_subgroups() == (d.subgroup_size_control && d.compute_full_subgroups));
  CHECK(ctx.kernels().size() == kernels0 + 2);  // the options are part of the kernel key
  // Not a multiple of the subgroup: the size is required, full subgroups are not.
  if (sg > 1) {
    vk::SpecConstants odd;
    odd.set(EFFNET_SC_WG_SIZE, sg + 1);
    vk::Algorithm partial(ctx, "dw_sg", spirv, bind, odd, 32, vk::PipelineOptions{sg, {sg + 1, 1, 1}});
    CHECK(partial.required_subgroup_size() == (d.subgroup_size_control ? sg : 0));
    CHECK(!partial.full_subgroups());
  }
  // A size the device cannot give: not requested, the pipeline is built as before.
  vk::Algorithm odd_size(ctx, "dw_sg", spirv, bind, sc, 32, vk::PipelineOptions{3, {wg, 1, 1}});
  CHECK(odd_size.required_subgroup_size() == 0);

  // The pipeline with the required size runs (one dispatch, a barrier-checked sequence).
  vk::Sequence seq(ctx);
  seq.begin();
  const shaders::ConvPush push{1, 1, 1, 4, 1, 1, 4, 1};  // one pixel, 4 channels
  seq.dispatch(sized, &push, 1, 1, 1);
  seq.end();
  seq.submit_and_wait();
}

TEST_CASE(
    "the pipeline cache is written to ContextOptions::pipeline_cache_file; a corrupt file is only a warning",
    "[vk][runtime]") {
  EFFNET_VK_CONTEXT_OR_SKIP(shared);
  test::TempDir dir;
  const std::string path = dir.file("sub/cache.bin");
  vk::ContextOptions o = options_for(shared.info().index);
  o.pipeline_cache_file = path;
  {
    vk::Context ctx(o);
    CHECK(ctx.pipeline_cache_path() == path);
    vk::Buffer b[4] = {
        vk::Buffer(ctx, 64, vk::MemoryKind::DeviceLocal), vk::Buffer(ctx, 64, vk::MemoryKind::DeviceLocal),
        vk::Buffer(ctx, 64, vk::MemoryKind::DeviceLocal), vk::Buffer(ctx, 64, vk::MemoryKind::DeviceLocal)};
    vk::Algorithm a(ctx, "dw", shaders::find_spirv("depthwise_fp32"),
                    {{&b[0], false}, {&b[1], false}, {&b[2], false}, {&b[3], true}}, vk::SpecConstants{}, 32);
  }
  // Some drivers keep nothing in the cache; when they do, the file is there.
  const std::string ours = test::slurp(path);
  if (ours.size() > 16) {
    // The driver's bytes without our header (the format before the header
    // existed) are replaced by a cache with the header.
    test::put(path, ours.substr(16));
    vk::Context old_format(o);
    old_format.save_pipeline_cache();
    CHECK(test::slurp(path).substr(0, 8) == "EFVKPC01");
  }
  test::put(path, "not a pipeline cache");
  vk::Context again(o);  // warns, does not throw
  CHECK(again.pipeline_cache_path() == path);
  again.save_pipeline_cache();
  CHECK(test::slurp(path) == "not a pipeline cache");  // never written over
  o.pipeline_cache_file.clear();
  o.pipeline_cache_dir = dir.file("by_device");
  vk::Context by_dir(o);
  CHECK(by_dir.pipeline_cache_path() == vk::pipeline_cache_path("", o.pipeline_cache_dir, by_dir.info()));
  o.pipeline_cache_dir.clear();
  vk::Context none(o);
  CHECK(none.pipeline_cache_path().empty());
}
