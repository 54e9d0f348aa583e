#include "tests/support/test_util.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>

namespace effnet::test {

double rel_l2(const Tensor& y, const Tensor& ref) {
  if (y.shape != ref.shape || y.data.size() != ref.data.size())
    return std::numeric_limits<double>::infinity();
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < y.data.size(); ++i) {
    if (!std::isfinite(y.data[i])) return std::numeric_limits<double>::infinity();
    const double d = double(y.data[i]) - double(ref.data[i]);
    num += d * d;
    den += double(ref.data[i]) * double(ref.data[i]);
  }
  if (den == 0.0) return num == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(num / den);
}

double max_abs_err(const Tensor& y, const Tensor& ref) {
  if (y.shape != ref.shape || y.data.size() != ref.data.size())
    return std::numeric_limits<double>::infinity();
  double m = 0.0;
  for (size_t i = 0; i < y.data.size(); ++i) {
    if (!std::isfinite(y.data[i])) return std::numeric_limits<double>::infinity();
    m = std::max(m, std::abs(double(y.data[i]) - double(ref.data[i])));
  }
  return m;
}

Tensor random_tensor(std::vector<int64_t> shape, uint64_t seed, float lo, float hi) {
  Tensor t(std::move(shape));
  std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ull + 1);
  for (float& v : t.data) {
    // 53-bit uniform in [0, 1), mapped to [lo, hi); independent of std:: distributions.
    const double u = double(gen() >> 11) * 0x1.0p-53;
    v = float(lo + (hi - lo) * u);
  }
  return t;
}

int argmax_row(const Tensor& t, int64_t row) {
  const int64_t c = t.shape.at(1);
  int best = 0;
  for (int64_t j = 1; j < c; ++j)
    if (t.data[row * c + j] > t.data[row * c + best]) best = int(j);
  return best;
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  uint32_t s = seed;
  for (auto& b : v) b = uint8_t((s = s * 1664525u + 1013904223u) >> 24);
  return v;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void put(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string data_path(const std::string& name) { return std::string(EFFNET_TEST_DATA_DIR) + "/" + name; }

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = std::filesystem::temp_directory_path() / ("effnet-test-" + std::to_string(rd()));
    if (std::filesystem::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("TempDir: cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace effnet::test
