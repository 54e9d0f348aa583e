// The MBConv blocks of the network one at a time, as effnet-bench mbconv
// (apps/bench_mbconv.cpp) and its --profile (apps/bench_mbconv_profile.cpp)
// measure them: each block's layers, input and output shape at a batch size.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/arch.h"
#include "model/network.h"
#include "model/vk_mbconv.h"

namespace effnet::app {

struct BenchBlock {
  std::string name;            // "mbconv3" (the layers' state_dict prefix)
  size_t first = 0;            // index of its first layer in the network
  std::vector<Layer> layers;   // expand, depthwise, project
  ActShape in, out;            // NHWC input and output of the block
  std::vector<int64_t> shape;  // in as dims {n, h, w, c}
  // Seed of the block's random input: the same per (seed, block, batch) in both modes.
  uint64_t input_seed(uint64_t seed) const { return seed + 17 * first + uint64_t(in.n); }
};

// Calls f(block) for each MBConv block (is_mbconv_block) of `layers` on an
// input of `batch` x 3 x size x size, in network order.
template <class F>
void for_each_mbconv_block(const std::vector<Layer>& layers, int batch, int size, F&& f) {
  ActShape cur{batch, size, size, kInChannels};
  for (size_t i = 0; i < layers.size();) {
    if (!is_mbconv_block(layers, i)) {
      cur = layer_out_shape(layers[i], cur);
      ++i;
      continue;
    }
    BenchBlock b;
    b.layers.assign(layers.begin() + long(i), layers.begin() + long(i) + 3);
    b.name = b.layers[0].name.substr(0, b.layers[0].name.find('.'));
    b.first = i;
    b.in = cur;
    b.out = layer_out_shape(b.layers[2], layer_out_shape(b.layers[1], layer_out_shape(b.layers[0], cur)));
    b.shape = {cur.n, cur.h, cur.w, cur.c};
    f(static_cast<const BenchBlock&>(b));
    cur = b.out;
    i += 3;
  }
}

}  // namespace effnet::app
