#include "model/weights.h"

#include <cmath>

#include "model/conv_table.h"
#include "model/errors.h"

namespace effnet {
namespace {

// The float32 values of tensor `name`, checked for presence, dtype, shape (when
// `shape` is non-empty) and finiteness. Throws ShapeError naming the tensor.
const Tensor& get(const StateDict& sd, const std::string& name, const std::vector<int64_t>& shape) {
  const auto it = sd.find(name);
  if (it == sd.end()) throw ShapeError(name + ": missing from the state_dict");
  const StoredTensor& st = it->second;
  if (st.dtype != DType::F32 && st.dtype != DType::F16 && st.dtype != DType::BF16) {
    throw ShapeError(name + ": dtype " + std::string(dtype_name(st.dtype)) +
                     " is not supported (F32, F16, BF16)");
  }
  if (!shape.empty() && st.value.shape != shape) {
    throw ShapeError(name + ": expected shape " + shape_str(shape) + ", got " + shape_str(st.value.shape));
  }
  if (st.value.data.size() != size_t(st.value.numel())) {
    throw ShapeError(name + ": holds " + std::to_string(st.value.data.size()) + " values for shape " +
                     shape_str(st.value.shape));
  }
  for (size_t i = 0; i < st.value.data.size(); ++i) {
    if (!std::isfinite(st.value.data[i])) {
      throw ShapeError(name + ": non-finite value " + std::to_string(st.value.data[i]) + " at index " +
                       std::to_string(i));
    }
  }
  return st.value;
}

// Throws ShapeError naming the tensor when folding made a value of layer `l`
// non-finite (finite but extreme weights, gamma, mean or running_var).
void check_folded(const Layer& l, const ConvEntry& e) {
  const auto check = [&](const std::vector<float>& v, const std::string& what) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i])) {
        throw ShapeError(what + " is non-finite after BatchNorm folding (" + std::to_string(v[i]) +
                         " at index " + std::to_string(i) + "): extreme values in " + e.conv + ".weight or " +
                         e.bn + ".*");
      }
    }
  };
  check(l.weight, e.conv + ".weight");
  check(l.bias, e.bn + ".bias");
}

}  // namespace

Network fold_state_dict(const StateDict& sd) {
  Network net;
  for (const ConvEntry& e : conv_table()) {
    const std::vector<int64_t> c{e.cout};
    const Tensor& w = get(sd, e.conv + ".weight", e.weight_shape);
    const Tensor& gamma = get(sd, e.bn + ".weight", c);
    const Tensor& beta = get(sd, e.bn + ".bias", c);
    const Tensor& mean = get(sd, e.bn + ".running_mean", c);
    const Tensor& var = get(sd, e.bn + ".running_var", c);
    for (size_t i = 0; i < var.data.size(); ++i) {
      if (var.data[i] < 0.0f) {
        throw ShapeError(e.bn + ".running_var: negative value " + std::to_string(var.data[i]) + " at index " +
                         std::to_string(i));
      }
    }
    net.layers.push_back(fold_conv_bn(e, w.data, gamma.data, beta.data, mean.data, var.data));
    check_folded(net.layers.back(), e);
  }

  const Tensor& fw = get(sd, "fc.weight", {});
  if (fw.rank() != 2 || fw.dim(1) != kHeadChannels || fw.dim(0) < 1) {
    throw ShapeError("fc.weight: expected shape [classes >= 1, " + std::to_string(kHeadChannels) + "], got " +
                     shape_str(fw.shape));
  }
  const int classes = int(fw.dim(0));
  const Tensor& fb = get(sd, "fc.bias", {int64_t(classes)});
  Layer fc;
  fc.name = "fc";
  fc.kind = LayerKind::Linear;
  fc.cin = kHeadChannels;
  fc.cout = classes;
  fc.act = Act::None;
  fc.weight = fw.data;
  fc.bias = fb.data;
  net.layers.push_back(std::move(fc));
  net.classes = classes;
  return net;
}

Network load_network(const std::string& safetensors_path) {
  return fold_state_dict(load_safetensors(safetensors_path));
}

}  // namespace effnet
