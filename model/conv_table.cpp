#include "model/conv_table.h"

#include <cmath>

namespace effnet {

std::vector<ConvEntry> conv_table() {
  std::vector<ConvEntry> t;
  t.push_back({"conv1", "bn1", LayerKind::StemConv3x3, kInChannels, kStemChannels, 2, Act::ReLU,
               kind_torch_weight_shape(LayerKind::StemConv3x3, kInChannels, kStemChannels)});
  for (size_t i = 0; i < kMBConv.size(); ++i) {
    const MBConvSpec& s = kMBConv[i];
    const std::string p = "mbconv" + std::to_string(i + 1) + ".";
    const int h = s.hidden();
    t.push_back({p + "0", p + "1", LayerKind::Pointwise, s.cin, h, 1, Act::ReLU6,
                 kind_torch_weight_shape(LayerKind::Pointwise, s.cin, h)});
    t.push_back({p + "3", p + "4", LayerKind::Depthwise3x3, h, h, s.stride, Act::ReLU6,
                 kind_torch_weight_shape(LayerKind::Depthwise3x3, h, h)});
    t.push_back({p + "6", p + "7", LayerKind::Pointwise, h, s.cout, 1, Act::None,
                 kind_torch_weight_shape(LayerKind::Pointwise, h, s.cout)});
  }
  t.push_back({"conv2", "bn2", LayerKind::HeadPool, kHeadIn, kHeadChannels, 1, Act::ReLU,
               kind_torch_weight_shape(LayerKind::HeadPool, kHeadIn, kHeadChannels)});
  return t;
}

Layer fold_conv_bn(const ConvEntry& e, const std::vector<float>& w, const std::vector<float>& gamma,
                   const std::vector<float>& beta, const std::vector<float>& mean,
                   const std::vector<float>& var) {
  Layer l;
  l.name = e.conv;
  l.kind = e.kind;
  l.cin = e.cin;
  l.cout = e.cout;
  l.stride = e.stride;
  l.act = e.act;
  const size_t per_out = w.size() / size_t(e.cout);
  l.weight.resize(w.size());
  l.bias.resize(size_t(e.cout));
  for (size_t o = 0; o < size_t(e.cout); ++o) {
    const double scale = double(gamma[o]) / std::sqrt(double(var[o]) + kBnEps);
    for (size_t k = 0; k < per_out; ++k)
      l.weight[o * per_out + k] = float(double(w[o * per_out + k]) * scale);
    l.bias[o] = float(double(beta[o]) - double(mean[o]) * scale);
  }
  return l;
}

}  // namespace effnet
