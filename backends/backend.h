// One interface over the three ways to run the network (CPU reference, Vulkan
// plan, CUDA reference), used by effnet-infer and effnet-bench.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "model/network.h"
#include "model/preprocess.h"
#include "model/tensor.h"
#include "model/ticket.h"
#include "model/vk_variant.h"
#include "nlohmann/json.hpp"
#include "vk_runtime/context.h"

namespace effnet::app {

struct BackendOptions {
  std::string device = "vulkan";          // vulkan | cpu | cuda
  Precision precision = Precision::FP16;  // effnet::Precision (model/vk_variant.h)
  int gpu = -1;  // Vulkan/CUDA device index; -1: default choice (EFFNET_GPU, then discrete first)
  bool allow_coopmat = true;  // Vulkan: use cooperative matrices where the device has them
  bool fuse = true;           // Vulkan: MBConv blocks fused where it measured faster (false: layer by layer)
  int batch = 1, height = 240, width = 240;  // input shape the backend is prepared for
  int inflight = 2;  // batches submit() may keep in flight, 1..kMaxInflight (model/vk_plan.h)
  // Vulkan: the plan takes uint8 NHWC images (run(const ImagesU8&)), turned
  // into the network input on the GPU; false: float32 NCHW. Other backends
  // convert uint8 input on the host either way.
  bool input_u8 = false;
  bool normalize = true;  // uint8 input: ImageNet mean/std after v / 255 (model/preprocess.h)
  int pack_threads = 0;   // Vulkan: VkPlanOptions::pack_threads (1: the calling thread copies the input)
  std::string tuning = "auto";  // Vulkan: VkPlanOptions::tuning (auto | off | a table file)
  // Vulkan: the context options main read from --gpu and the environment
  // (apps/context_env.h); the backends read no environment themselves.
  vk::ContextOptions context;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // x: [batch, 3, height, width] float32 NCHW -> logits [batch, classes] float32.
  virtual Tensor run(const Tensor& x) = 0;
  // Asynchronous run: submit() queues x (the same shape) and returns a ticket,
  // wait() its logits, tickets in any order, at most BackendOptions::inflight
  // outstanding. Vulkan: the batches are in flight on the plan (VkPlan::submit);
  // here (CPU, CUDA) submit() runs the batch and keeps its logits until wait().
  // TicketError for a call out of order (model/ticket.h); else run()'s errors.
  virtual Ticket submit(const Tensor& x);
  virtual Tensor wait(Ticket t);
  // x: [batch, height, width, 3] uint8 NHWC images -> logits, as run() on
  // images_u8_to_nchw(x, BackendOptions::normalize). Here: that conversion on
  // the host; Vulkan with BackendOptions::input_u8: the bytes go to the GPU.
  virtual Tensor run(const ImagesU8& x);
  virtual Ticket submit(const ImagesU8& x);
  // As run(x), where the caller reuses the same few buffers batch after batch
  // (effnet-infer's recycled chunks): Vulkan imports a buffer's memory the
  // second time it is run (VkPlan::import_input; one use is cheaper copied),
  // and runs it from there with no host copy. The caller must keep every
  // buffer it passed here allocated until forget_buffers() or the backend's
  // destruction, and not change it while it runs. Elsewhere, or on a device
  // without VK_EXT_external_memory_host: run(x).
  virtual Tensor run_reused(const Tensor& x) { return run(x); }
  virtual Tensor run_reused(const ImagesU8& x) { return run(x); }
  // Releases the imports of run_reused (their buffers may be freed after).
  virtual void forget_buffers() {}
  // Tickets submitted and not waited.
  virtual int outstanding() const { return held_.outstanding(); }
  // One line naming the device, e.g. "vulkan: NVIDIA H200 (driver 580.159.4)".
  virtual std::string device_line() const = 0;
  // The variant chosen, one line, e.g. "fp16, cooperative matrix 16x16x16 on 9 of 23 layers".
  virtual std::string variant_line() const = 0;
  // Per-stage choices as JSON (an array of objects), empty array when not applicable.
  virtual nlohmann::json variant_json() const { return nlohmann::json::array(); }
  // GPU time of the last run in milliseconds, or a negative value when not measured.
  virtual double last_gpu_ms() const { return -1.0; }
  // After a run whose logits held a NaN or Inf (backends/logits_check.h): re-runs
  // x through the same stages one at a time, each output checked, and returns
  // the first stage whose output is non-finite, e.g. "mbconv3.6 (pointwise)",
  // or "" when none is. Slow (Vulkan builds a plan per stage); never called on
  // the fast path. Throws what run() throws.
  virtual std::string first_nonfinite_stage(const Tensor& x) = 0;

 protected:
  Backend(int inflight, bool normalize)
      : normalize_(normalize), held_(inflight), held_logits_(size_t(held_.slots())) {}
  bool normalize_;  // BackendOptions::normalize, for the host conversion of uint8 input

 private:
  TicketBook held_;                  // the default submit() / wait()
  std::vector<Tensor> held_logits_;  // per slot
};

// Creates the backend named by opts.device; `net` must outlive it (the CPU
// backend and first_nonfinite_stage read it). Throws UsageError for an unknown
// device name or a device not built into this binary (cuda without CUDA),
// DeviceError/VulkanError/CudaError when the device cannot run the plan.
std::unique_ptr<Backend> make_backend(const Network& net, const BackendOptions& opts);

// The backend names built into this binary, e.g. {"vulkan", "cpu", "cuda"}.
std::vector<std::string> available_backends();

}  // namespace effnet::app
