// The trained Fashion-MNIST checkpoint (tests/data/fashion_*, tools/train_fashion.py)
// on real test images: the CPU reference and Vulkan (fp32 and fp16) against
// PyTorch's own fp32 logits and predictions. A real image set is the
// strongest cross-backend check there is: the same top-1 as PyTorch on every
// image whose margin is not a near-tie (tests/support/tolerances.h), and the
// same accuracy within 0.5 points.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cmath>
#include <fstream>

#include "model/cpu_reference.h"
#include "model/idx.h"
#include "model/npy.h"
#include "model/vk_plan.h"
#include "model/weights.h"
#include "tests/support/tolerances.h"
#include "tests/support/validation_report.h"
#include "tests/test_vk_support.h"

using namespace effnet;

namespace {

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
constexpr int kImages = 300;  // of the 500 whose PyTorch logits are shipped
constexpr int kSize = 64;     // tests/data/fashion_meta.json image_size

struct Fashion {
  IdxDataset test;
  Network net;
  Tensor x;          // the first kImages test images, preprocessed [kImages, 3, 64, 64]
  Tensor ref;        // PyTorch fp32 logits of those [kImages, 10]
  IdxU8 torch_pred;  // PyTorch fp32 top-1 of all 10,000 test images
};

// nullptr when the dataset package is missing (the test SKIPs).
const Fashion* fashion() {
  static std::unique_ptr<Fashion> f = [] {
    std::unique_ptr<Fashion> r;
    const std::string im = std::string(kFashionDir) + "/t10k-images-idx3-ubyte.gz";
    if (!std::ifstream(im)) return r;
    r = std::make_unique<Fashion>();
    r->net = load_network(test::data_path("fashion_weights.safetensors"));
    r->test = load_idx_dataset(im, std::string(kFashionDir) + "/t10k-labels-idx1-ubyte.gz", r->net.classes);
    r->x = idx_batch(r->test, 0, kImages, kSize);
    const Tensor head = load_npy(test::data_path("fashion_logits_head.npy"));
    r->ref = Tensor({kImages, head.shape[1]});
    std::copy(head.data.begin(), head.data.begin() + long(r->ref.numel()), r->ref.data.begin());
    r->torch_pred = load_idx_u8(test::data_path("fashion_pred.idx1-ubyte"));
    return r;
  }();
  return f.get();
}

#define FASHION_OR_SKIP(name)                                                               \
  const Fashion* name = fashion();                                                          \
  if (!name) SKIP("dataset-fashion-mnist is not installed (scripts/setup.sh installs it)"); \
  (void)0

int correct(const Tensor& logits, const IdxDataset& set) {
  int c = 0;
  for (int64_t i = 0; i < logits.shape[0]; ++i)
    c += test::argmax_row(logits, i) == int(set.labels.data[size_t(i)]);
  return c;
}

// The comparison with PyTorch (recorded in the validation report) and the accuracy rule.
void check_against_pytorch(const Fashion& f, const Tensor& y, const std::string& pair, double tol) {
  const test::Comparison c = test::record(
      "fashion-mnist test[0," + std::to_string(kImages) + ") 64x64 trained", pair, y, f.ref, tol);
  INFO(c.summary());
  CHECK(c.passed);
  CHECK(c.top1_required >= kImages * 9 / 10);  // the margin rule leaves few near-ties on a trained network
  const int ours = correct(y, f.test), theirs = correct(f.ref, f.test);
  INFO("top-1 correct: " << ours << " vs PyTorch " << theirs << " of " << kImages);
  CHECK(std::abs(ours - theirs) * 200 <= kImages);  // within 0.5 points
  CHECK(theirs >= kImages * 85 / 100);              // a trained network, not a random one
  for (int64_t i = 0; i < kImages; ++i)
    if (test::argmax_row(f.ref, i) != int(f.torch_pred.data[size_t(i)]))
      FAIL("fashion_pred.idx1-ubyte disagrees with fashion_logits_head.npy at image " << i);
}

}  // namespace

TEST_CASE("Fashion-MNIST: the CPU reference predicts as PyTorch on real test images", "[fashion][cpu]") {
  FASHION_OR_SKIP(f);
  check_against_pytorch(*f, cpu_forward(f->net, f->x), "cpu vs pytorch-fp32", test::kTolFp32);
}

TEST_CASE("Fashion-MNIST: Vulkan predicts as PyTorch on real test images", "[fashion][vk]") {
  FASHION_OR_SKIP(f);
  EFFNET_VK_CONTEXT_OR_SKIP(ctx);
  const Precision p = GENERATE(Precision::FP32, Precision::FP16);
  if (!precision_supported(ctx.info(), p)) SKIP(ctx.info().name << " has no fp16");
  VkPlanOptions opt;
  opt.batch = kImages;
  opt.height = opt.width = kSize;
  opt.precision = p;
  VkPlan plan(ctx, f->net, opt);
  plan.poison_outputs();
  const Tensor y = plan.run(f->x);
  bool coopmat = false;
  for (const Stage& st : plan.stages()) coopmat = coopmat || st.coopmat();
  const std::string pair =
      std::string("vulkan-") + precision_name(p) + (coopmat ? "-coopmat" : "") + " vs pytorch-fp32";
  check_against_pytorch(*f, y, pair, p == Precision::FP16 ? test::kTolFp16Network : test::kTolFp32);
}
