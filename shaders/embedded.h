// The SPIR-V of every shader variant, compiled at build time and embedded.
// Variant names: stem_conv_<p>, depthwise_<p>, gemm_<p>, gemm_head_pool_<p>,
// gemm_out_f32_<p> with <p> = fp32 | fp16, and the cooperative-matrix GEMMs
// gemm_coopmat_fp16, gemm_head_pool_coopmat_fp16, gemm_out_f32_coopmat_fp16 and
// the workgroup-scope gemm_coopmat2_fp16, gemm_out_f32_coopmat2_fp16
// (see shaders/CMakeLists.txt).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace effnet::shaders {

// The SPIR-V words of variant `name`; an empty span when there is no such variant.
std::span<const uint32_t> find_spirv(std::string_view name);

// Every embedded variant name.
std::vector<std::string> spirv_names();

// The shader build: 16 hex digits of FNV-1a (64-bit) over every variant's name
// and SPIR-V words, in table order. Equal for two binaries exactly when they
// embed the same SPIR-V (tuning tables, model/vk_tuning.h, are keyed by it).
std::string spirv_build_id();

}  // namespace effnet::shaders
