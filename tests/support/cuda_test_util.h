// Helpers of the [cuda] tests. Header-only: tests/support/*.cpp are built
// without CUDA too, this header only by tests/test_cuda_*.cpp.
#pragma once
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "cuda_ref/cuda_reference.h"
#include "tests/support/validation_report.h"

namespace effnet::test {

// SKIPs the running test (reported as skipped by Catch2 and ctest) with the
// reason when no CUDA device is usable; with a device, puts the device and the
// library versions into the validation report once.
inline void require_cuda() {
  std::string why;
  if (!cuda_available(&why)) SKIP("no usable CUDA device: " + why);
  static const bool noted = [] {
    record_info("cuda_device", cuda_device_name(0));
    record_info("cuda_libraries", cuda_library_versions());
    return true;
  }();
  (void)noted;
}

// "cuda-fp32" / "cuda-fp16".
inline std::string cuda_backend_name(Precision m) { return std::string("cuda-") + precision_name(m); }

}  // namespace effnet::test
