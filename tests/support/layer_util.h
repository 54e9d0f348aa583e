// Helpers of the tests that edit one layer of a network (test_weights,
// test_nonfinite, test_vk_nonfinite).
#pragma once
#include <catch2/catch_test_macros.hpp>
#include <string>
#include <utility>

#include "model/network.h"

namespace effnet::test {

// The layer of net called `name` (a state_dict prefix: "mbconv3.6", "fc");
// FAILs the test when there is none.
inline const Layer& layer_named(const Network& net, const std::string& name) {
  for (const Layer& l : net.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  return net.layers.front();
}
inline Layer& layer_named(Network& net, const std::string& name) {
  return const_cast<Layer&>(layer_named(std::as_const(net), name));
}

// Every weight of l at +-v, the sign alternating between output channels, so
// that whatever the sign of a channel's input sum, half the outputs are huge
// and positive (and survive a ReLU): with v large they overflow to Inf.
inline void set_extreme_weights(Layer& l, float v) {
  const size_t per_out = l.weight.size() / size_t(l.cout);
  for (size_t i = 0; i < l.weight.size(); ++i) l.weight[i] = (i / per_out) % 2 ? -v : v;
}

}  // namespace effnet::test
