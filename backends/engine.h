// effnet::Engine, the C++ API of effnet-vk (docs/API.md): EfficientNet-B1
// (KernelBench L3/23) inference on one device. Load weights once, run batches
// of float32 NCHW images, get float32 logits. run() returns when the logits
// are in host memory; submit() / wait() keep several batches in flight (on
// Vulkan the upload of one overlaps the compute of another). Not thread-safe
// (one Engine per thread).
//
// Errors are exceptions of model/errors.h (every one an effnet::Error with a
// one-line what()): FileError (weights unreadable), ShapeError (bad weights,
// a wrong input shape, non-finite logits: the message names the first stage
// that produced them), UsageError (an unknown device name, inflight out of
// range), TicketError (submit / wait out of order), DeviceError /
// VulkanError / CudaError (no usable device, a missing feature). A NaN or Inf
// in the input is a ShapeError too (a ReLU on the GPU may turn NaN into 0: the
// answer would be finite and wrong).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "model/precision.h"
#include "model/preprocess.h"
#include "model/tensor.h"
#include "model/ticket.h"

namespace effnet {

struct EngineOptions {
  std::string device = "vulkan";          // "vulkan" | "cpu" (the reference) | "cuda" (when built with CUDA)
  Precision precision = Precision::FP16;  // FP16: fp16 storage, fp32 accumulation; FP32
  int gpu = -1;                           // Vulkan / CUDA device index; -1: the first discrete GPU
  bool allow_coopmat = true;              // Vulkan: cooperative matrices where the device has them
  bool fuse = true;                       // Vulkan: fused MBConv blocks where the plan's rule says so
  std::string pipeline_cache_file;        // Vulkan: pipeline cache file ("" : in memory only)
  int inflight = 2;                       // batches submit() may keep in flight, 1..4
  // uint8 input (run(const ImagesU8&)): ImageNet mean/std after v / 255, as
  // effnet-infer does (false: v / 255 only, inputs in [0, 1]).
  bool normalize = true;
};

class Engine {
 public:
  // weights: a safetensors state_dict of the reference model (PyTorch names,
  // BatchNorm folded at load); "" for built-in deterministic random weights
  // (1000 classes, untrained: for tests and benchmarks only). The device is
  // opened on the first run().
  explicit Engine(const std::string& weights, const EngineOptions& options = {});
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // x: [N, 3, H, W] float32 NCHW, N >= 1, 32 <= H, W <= 4096, normalised as
  // the model was trained (ImageNet mean/std for the reference model) ->
  // logits [N, classes] float32. The first call with a shape plans for it
  // (milliseconds; seconds on a cold pipeline cache); later calls with the
  // same shape reuse that plan.
  Tensor run(const Tensor& x);
  // The same on a host array of n * 3 * h * w floats; returns n * classes floats, row-major.
  std::vector<float> run(const float* nchw, int n, int h, int w);

  // Asynchronous run. submit(x) checks x as run() does, queues it and returns
  // a ticket at once (x may be freed then); wait(t) blocks until that batch is
  // done and returns its logits, equal to run(x). At most `inflight` tickets
  // outstanding; any order of waits. Vulkan: the batches are in flight on the
  // GPU (the next one's upload overlaps this one's compute); cpu, cuda:
  // submit() runs the batch. Throws run()'s errors, and TicketError for a
  // submit beyond `inflight`, another input shape while tickets are
  // outstanding (the plan would change under them), waiting a ticket twice or
  // one never issued. Non-finite logits: ShapeError from wait() (without the
  // stage: run() names it).
  Ticket submit(const Tensor& x);
  Tensor wait(Ticket t);

  // x: [N, H, W, 3] uint8 NHWC RGB images at the network's input size (as
  // decoders write them; N >= 1, 32 <= H, W <= 4096; not copied beyond the
  // call) -> logits, equal to run() on images_u8_to_nchw(x, normalize)
  // (model/preprocess.h). On Vulkan the bytes are uploaded (a quarter of the
  // float32 input) and normalised on the GPU inside the stem, bit for bit the
  // host conversion; on cpu and cuda the host converts. A plan is per input
  // format as per shape: switching between float32 and uint8 input replans.
  // Errors as run(Tensor) (ShapeError for a null pointer or a bad shape).
  Tensor run(const ImagesU8& x);
  Ticket submit(const ImagesU8& x);

  int classes() const;
  // After a run: the device ("vulkan: NVIDIA H200 (...)") and the plan's
  // variant in one line each; "" before the first run.
  std::string device_line() const;
  std::string variant_line() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace effnet
