// The EfficientNet-B1 variant of KernelBench (level 3, problem 23): the
// architecture table. See ../shared/docs/DESIGN.md "The network".
//
//   conv1 3x3 s2 p1 3->32, bn1, ReLU
//   mbconv1..7: 1x1 expand (BN, ReLU6) -> 3x3 depthwise stride s p1 (BN, ReLU6)
//               -> 1x1 project (BN, no activation); no residual
//   conv2 1x1 320->1280, bn2, ReLU, global average pool
//   fc 1280->classes with bias
//
// PyTorch state_dict names (nn.Sequential indices inside each mbconv):
//   mbconvI.0.weight expand conv [hidden, cin, 1, 1]   mbconvI.1.* its BN
//   mbconvI.3.weight depthwise   [hidden, 1, 3, 3]     mbconvI.4.* its BN
//   mbconvI.6.weight project     [cout, hidden, 1, 1]  mbconvI.7.* its BN
// BN tensors: weight (gamma), bias (beta), running_mean, running_var,
// num_batches_tracked (ignored).
#pragma once
#include <array>
#include <cmath>

namespace effnet {

struct MBConvSpec {
  int cin, cout, stride, expand;
  // hidden = round(cin * expand), as Python's round() on an integer product.
  constexpr int hidden() const { return cin * expand; }
};

inline constexpr std::array<MBConvSpec, 7> kMBConv = {{
    {32, 16, 1, 1},
    {16, 24, 2, 6},
    {24, 40, 2, 6},
    {40, 80, 2, 6},
    {80, 112, 1, 6},
    {112, 192, 2, 6},
    {192, 320, 1, 6},
}};

inline constexpr int kInChannels = 3;
inline constexpr int kStemChannels = 32;
inline constexpr int kHeadIn = 320;
inline constexpr int kHeadChannels = 1280;
inline constexpr int kDefaultClasses = 1000;
inline constexpr int kDefaultImageSize = 240;
inline constexpr int kMinImageSize = 32;    // smallest input the network accepts (H and W)
inline constexpr int kMaxImageSize = 4096;  // largest --size of the tools and H, W of an input file
inline constexpr double kBnEps = 1e-5;

// Output size of a 3x3 conv with padding 1: floor((in + 2 - 3) / stride) + 1.
constexpr int conv3x3_out(int in, int stride) { return (in - 1) / stride + 1; }

}  // namespace effnet
