// Helpers of the Vulkan tests (tests/test_vk_*.cpp): one shared Context, and
// layers with random non-zero weights.
#pragma once
#include <array>
#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "model/arch.h"
#include "model/network.h"
#include "tests/support/test_util.h"
#include "vk_runtime/context.h"
#include "vk_runtime/device_info.h"
#include "vk_runtime/errors.h"

namespace effnet::test {

// The Context every Vulkan test shares (pipelines compile once per process),
// or nullptr when this machine has no usable Vulkan device. It is destroyed
// when the test run ends (a Catch2 listener), not by a static destructor at
// process exit, which ran after the NVIDIA driver's own teardown and crashed.
vk::Context* shared_context();

#define EFFNET_VK_CONTEXT_OR_SKIP(name)                                                  \
  vk::Context* name##_ptr = ::effnet::test::shared_context();                            \
  if (!name##_ptr) SKIP("no usable Vulkan device (install lavapipe: scripts/setup.sh)"); \
  vk::Context& name = *name##_ptr

// A layer of `kind` with weights ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and biases
// ~ U(-0.2, 0.2) from `seed` (never zero), in the layouts of model/layer_kind.h.
inline Layer random_layer(LayerKind kind, int cin, int cout, int stride, Act act, uint64_t seed) {
  Layer l;
  l.name = std::string("test_") + kind_name(kind);
  l.kind = kind;
  l.cin = cin;
  l.cout = cout;
  l.stride = stride;
  l.act = act;
  const int64_t fan_in = kind_fan_in(kind, cin), n = kind_weight_count(kind, cin, cout);
  const float b = 1.0f / std::sqrt(float(fan_in));
  l.weight = random_tensor({n}, seed, -b, b).data;
  l.bias = random_tensor({cout}, seed + 1000, -0.2f, 0.2f).data;
  return l;
}

// Block b (0-based) of the network with random non-zero weights, named as the
// state_dict names them ("mbconv<b+1>.0", ".3", ".6").
inline std::vector<Layer> random_mbconv_block(size_t b, uint64_t seed) {
  const MBConvSpec& s = kMBConv[b];
  std::vector<Layer> l = {
      random_layer(LayerKind::Pointwise, s.cin, s.hidden(), 1, Act::ReLU6, seed),
      random_layer(LayerKind::Depthwise3x3, s.hidden(), s.hidden(), s.stride, Act::ReLU6, seed + 1),
      random_layer(LayerKind::Pointwise, s.hidden(), s.cout, 1, Act::None, seed + 2)};
  const std::string p = "mbconv" + std::to_string(b + 1);
  l[0].name = p + ".0";
  l[1].name = p + ".3";
  l[2].name = p + ".6";
  return l;
}

// The capabilities an NVIDIA H200 reports (driver 580): subgroup 32, 48 KB of
// shared memory, f16 x f16 -> f32 cooperative matrices 16x16x16, 16x8x16,
// 16x8x8. For plan decisions tested without a GPU.
inline vk::DeviceInfo h200_like_device() {
  vk::DeviceInfo d;
  d.name = "H200-like";
  d.vk_type = VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU;
  d.subgroup_size = 32;
  d.max_shared_memory = 49152;
  d.max_workgroup_size = {1024, 1024, 64};
  d.max_workgroup_invocations = 1024;
  d.max_workgroup_count = {2147483647u, 65535, 65535};
  d.has_coopmat = true;
  for (const auto& s : {std::array<uint32_t, 3>{16, 16, 16}, {16, 8, 16}, {16, 8, 8}})
    d.coopmat_shapes.push_back({s[0], s[1], s[2], "f16", "f16", "f32", "f32", "subgroup"});
  return d;
}

}  // namespace effnet::test
