// Backend::run_reused (backends/backend.h): a buffer run again is imported
// (Vulkan, VkPlan::import_input) and gives run()'s logits bit for bit, with
// the values it holds at each call, for float32 and uint8 input; elsewhere it
// is run().
#include <catch2/catch_test_macros.hpp>

#include "backends/backend.h"
#include "model/weights.h"
#include "tests/support/test_util.h"
#include "tests/test_vk_support.h"

using namespace effnet;

TEST_CASE("Backend::run_reused equals run() on reused buffers", "[vk][import]") {
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Network net = random_network(31, 10);
  for (const bool u8 : {false, true})
    for (const char* device : {"vulkan", "cpu"}) {
      CAPTURE(u8, device);
      app::BackendOptions o;
      o.device = device;
      o.precision = Precision::FP32;
      o.batch = 2;
      o.height = o.width = 40;
      o.input_u8 = u8;
      o.context.gpu = int(ctx.info().index);
      const auto b = app::make_backend(net, o);
      std::vector<Tensor> xs;
      for (int i = 0; i < 3; ++i)
        xs.push_back(test::random_tensor({2, 3, 40, 40}, 50 + uint64_t(i), 0.0f, 1.0f));
      std::vector<std::vector<uint8_t>> bytes;
      for (int i = 0; i < 3; ++i) bytes.push_back(test::random_bytes(2 * 40 * 40 * 3, 60 + uint64_t(i)));
      // One buffer, new values before each call: copied, then imported, then run imported.
      Tensor buf({2, 3, 40, 40});
      std::vector<uint8_t> bbuf(bytes[0].size());
      for (int round = 0; round < 2; ++round)
        for (int i = 0; i < 3; ++i) {
          if (u8) {
            bbuf = bytes[size_t(i)];  // same size: the storage stays where it is
            const ImagesU8 x{bbuf.data(), 2, 40, 40};
            CHECK(b->run_reused(x).data == b->run(ImagesU8{bytes[size_t(i)].data(), 2, 40, 40}).data);
          } else {
            buf.data = xs[size_t(i)].data;
            CHECK(b->run_reused(buf).data == b->run(xs[size_t(i)]).data);
          }
        }
      b->forget_buffers();
      if (!u8) CHECK(b->run_reused(buf).data == b->run(xs[2]).data);
    }
}
