// Helpers shared by every test file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace effnet::test {

// ||y - ref||_2 / ||ref||_2 accumulated in float64. Returns +inf when the
// shapes differ or y holds a NaN or Inf (so a poisoned, unwritten output fails).
double rel_l2(const Tensor& y, const Tensor& ref);

// max_i |y_i - ref_i| (+inf on a shape mismatch or a non-finite y_i).
double max_abs_err(const Tensor& y, const Tensor& ref);

// Uniform values in [lo, hi) from a fixed-seed generator; never all zero.
Tensor random_tensor(std::vector<int64_t> shape, uint64_t seed, float lo = -1.0f, float hi = 1.0f);
// n pseudo-random bytes from `seed` (an LCG: every value 0..255 occurs), e.g. uint8 images.
std::vector<uint8_t> random_bytes(size_t n, uint32_t seed);

// Index of the largest value in row `row` of a [N, C] tensor.
int argmax_row(const Tensor& t, int64_t row);

// The whole file as bytes ("" when it cannot be read), and bytes written as a
// whole file (test fixtures: bad files, cut files).
std::string slurp(const std::string& path);
void put(const std::string& path, const std::string& bytes);

// Path of a file in tests/data.
std::string data_path(const std::string& name);

// A fresh empty directory, removed with its contents when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace effnet::test
