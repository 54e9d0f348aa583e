#include "tests/support/golden.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "nlohmann/json.hpp"
#include "tests/support/test_util.h"
#include "tests/support/tolerances.h"

namespace effnet::test {

double torch_fp16_rel_l2(const std::string& golden_case) {
  std::ifstream f(data_path("golden_meta.json"));
  if (!f) throw std::runtime_error("cannot read " + data_path("golden_meta.json"));
  const nlohmann::json meta = nlohmann::json::parse(f);
  const auto& v = meta.at("cases").at(golden_case).at("rel_l2_torch_fp16_vs_fp64");
  if (!v.is_number())
    throw std::runtime_error("golden_meta.json: no PyTorch fp16 error for case " + golden_case);
  return v.get<double>();
}

double golden_fp16_tol(const std::string& golden_case) {
  return std::max(kTolFp16, torch_fp16_rel_l2(golden_case));
}

}  // namespace effnet::test
