#include "model/vk_variant.h"

#include <algorithm>
#include <sstream>

#include "model/errors.h"
#include "model/vk_gemm_tile.h"
#include "vk_runtime/errors.h"

namespace effnet {
namespace {

uint32_t ceil_div(uint64_t a, uint64_t b) { return uint32_t((a + b - 1) / b); }

}  // namespace

std::string LayerVariant::describe() const {
  std::ostringstream o;
  o << layer << " " << kind_name(kind) << " " << shader;
  if (gemm) o << " tile " << tile.str();
  if (kind == LayerKind::StemConv3x3 || kind == LayerKind::Depthwise3x3)
    o << " " << vec << " ch x " << pix << " px per invocation,";
  o << " " << wg_size << " inv, " << groups[0] << "x" << groups[1] << "x" << groups[2] << " groups";
  return o.str();
}

LayerVariant choose_variant(const Layer& layer, const ActShape& in, Precision precision,
                            const vk::DeviceInfo& device, const GemmChoice& choice) {
  validate_layer(layer);

  LayerVariant v;
  v.layer = layer.name;
  v.kind = layer.kind;
  v.act = layer.act;
  v.precision = precision;
  v.in = in;
  v.out = layer_out_shape(layer, in);
  const std::string p = precision_name(precision);
  constexpr uint64_t kMaxIndex = uint64_t(1) << 32;
  if (uint64_t(in.numel()) >= kMaxIndex || uint64_t(v.out.numel()) >= kMaxIndex ||
      layer.weight.size() >= kMaxIndex)
    throw ShapeError("layer " + layer.name + ": tensors too large for 32-bit indexing (" +
                     std::to_string(in.numel()) + " input elements)");

  const auto& maxg = device.max_workgroup_count;
  switch (layer.kind) {
    case LayerKind::StemConv3x3:
    case LayerKind::Depthwise3x3: {
      const bool stem = layer.kind == LayerKind::StemConv3x3;
      v.shader = std::string(stem ? "stem_conv_" : "depthwise_") + p;
      v.wg_size = std::min<uint32_t>(256, device.max_workgroup_invocations);
      const uint64_t c = uint64_t(v.out.c), pixels = uint64_t(v.out.n) * v.out.h * v.out.w;
      uint64_t invocations = 0;
      if (stem) {
        // All output channels of a pixel in one invocation (up to 32), the
        // weights staged in shared memory as vec4 [cin][3][3][ceil(cout / 4)].
        v.vec = uint32_t(std::min<uint64_t>(32, (c + 3) / 4 * 4));
        v.shared_vec4 = uint32_t(uint64_t(layer.cin) * 9 * ((c + 3) / 4));
        if (uint64_t(v.shared_vec4) * 16 > device.max_shared_memory)
          throw vk::DeviceError("layer " + layer.name + ": the stem's " + std::to_string(v.shared_vec4 * 16) +
                                " B of weights exceed the " + std::to_string(device.max_shared_memory) +
                                " B of shared memory of " + device.name);
        invocations = pixels * ((c + v.vec - 1) / v.vec);
      } else {
        // 4 channels per invocation (fewer when C is not a multiple of 4) and 4
        // output pixels along W (fewer when Wo < 4), their input columns shared
        // in registers. Measured on the H200 (docs/PERFORMANCE.md, "Depthwise and
        // stem"): fp16 4 x 4 matched or beat 8 channels (16-byte loads) and 1, 2
        // or 8 pixels on every layer of the network (within 0.5 us), small ones too.
        v.vec = c % 4 == 0 ? 4 : c % 2 == 0 ? 2 : 1;
        v.pix = uint32_t(std::min<uint64_t>(4, uint64_t(v.out.w)));
        invocations = uint64_t(v.out.n) * v.out.h * ((uint64_t(v.out.w) + v.pix - 1) / v.pix) * (c / v.vec);
      }
      // Grid-stride loop in the shader: the grid is capped, any size works.
      v.groups = {std::min(ceil_div(invocations, v.wg_size), maxg[0]), 1, 1};
      break;
    }
    case LayerKind::Pointwise:
    case LayerKind::Linear:
    case LayerKind::HeadPool: {
      const bool head = layer.kind == LayerKind::HeadPool;
      v.gemm = true;
      v.gemm_m = uint32_t(int64_t(in.n) * in.h * in.w);
      v.gemm_n = uint32_t(layer.cout);
      v.gemm_k = uint32_t(layer.cin);
      const GemmShape g{head ? uint32_t(in.h * in.w) : v.gemm_m, head ? uint32_t(in.n) : 1u, v.gemm_n,
                        v.gemm_k, head};
      const auto shapes = gemm_coopmat_shapes(device);
      if (choice.force_coopmat_shape &&
          (precision != Precision::FP16 || !choice.allow_coopmat ||
           std::find(shapes.begin(), shapes.end(), *choice.force_coopmat_shape) == shapes.end()))
        throw vk::DeviceError("layer " + layer.name + ": forced cooperative-matrix shape " +
                              std::to_string((*choice.force_coopmat_shape)[0]) + "x" +
                              std::to_string((*choice.force_coopmat_shape)[1]) + "x" +
                              std::to_string((*choice.force_coopmat_shape)[2]) + " is not an f16 shape of " +
                              device.name + " (or coopmat is off, or precision is fp32)");
      if (choice.force_tile)
        v.tile = *choice.force_tile;
      else if (precision == Precision::FP16 && choice.allow_coopmat && !shapes.empty())
        v.tile = coopmat_tile(
            choice.force_coopmat_shape ? *choice.force_coopmat_shape : least_waste_shape(shapes, g), g,
            device);
      else
        v.tile = scalar_tile(g);
      if (!choice.force_tile && !v.tile.coopmat() && v.tile.shared_bytes(head) > device.max_shared_memory)
        v.tile = scalar_tile({32, 1, 32, v.gemm_k, head});
      if (v.tile.coopmat() && precision != Precision::FP16)
        throw vk::DeviceError("layer " + layer.name + ": cooperative-matrix tiles need precision fp16");
      check_gemm_tile(v.tile, head, device, layer.name);
      v.coopmat = v.tile.coopmat();
      const std::string base = head ? "gemm_head_pool_"
                               : layer.kind == LayerKind::Linear && precision == Precision::FP16
                                   ? "gemm_out_f32_"
                                   : "gemm_";
      v.shader = base + (v.coopmat ? "coopmat_" : "") + p;
      v.wg_size = v.tile.invocations();
      const uint32_t gx = ceil_div(v.gemm_n, v.tile.bn);
      if (head) {
        v.groups = {gx, uint32_t(in.n), 1};
      } else {
        const uint32_t mt = ceil_div(v.gemm_m, v.tile.bm);
        const uint32_t gy = std::min(mt, maxg[1]);
        v.groups = {gx, gy, ceil_div(mt, gy)};
      }
      if (v.groups[0] > maxg[0] || v.groups[1] > maxg[1] || v.groups[2] > maxg[2])
        throw vk::DeviceError("layer " + layer.name + ": dispatch grid " + std::to_string(v.groups[0]) + "x" +
                              std::to_string(v.groups[1]) + "x" + std::to_string(v.groups[2]) +
                              " exceeds maxComputeWorkGroupCount of " + device.name);
      break;
    }
  }
  v.flops = kind_flops(layer.kind, layer.cin, layer.cout, v.in, v.out);
  return v;
}

}  // namespace effnet
