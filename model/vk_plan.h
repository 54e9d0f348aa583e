// The Vulkan plan: the folded network (or a sub-list of its layers) mapped to
// stages (one dispatch each, covering one layer or a fused MBConv block,
// model/vk_stage.h) for one (batch, input size, precision), with every buffer
// allocated, the weights uploaded and ONE command buffer recorded when it is
// built. run() then only uploads the input, replays that command buffer and
// reads the output back: no allocation, descriptor update or recording per call.
//
// Streaming (submit / wait): up to VkPlanOptions::inflight batches in flight.
// Each in-flight slot owns a host-visible mapped upload buffer (the input as
// the first stage reads it: fp32 or fp16 per the kind table, packed straight
// from the caller's Tensor, no other host copy), a device-local input, a
// readback buffer (logits) and two command buffers recorded once: an upload
// copy, and the stages reading that slot's input, ending with the copy of the
// output into the slot's readback buffer. The activations and the device
// output are one set shared by all slots, so a batch's stages begin with a
// full barrier and run after the previous batch's (readback included); its
// upload has no barrier and may run while the previous batch computes, and the
// previous readback while the host packs the next. A timeline semaphore
// (vk_runtime/timeline.h) counts finished batches; wait() blocks on it.
// A slot is reused only after its ticket is waited: that is when its upload
// and readback buffers may be written again. One thread at a time.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/network.h"
#include "model/preprocess.h"
#include "model/tensor.h"
#include "model/ticket.h"
#include "model/vk_stage.h"
#include "model/vk_tuning.h"
#include "model/vk_variant.h"
#include "vk_runtime/context.h"

namespace effnet {

// The most batches a plan keeps in flight (VkPlanOptions::inflight).
constexpr int kMaxInflight = 4;

// What the plan's host input is (VkPlanOptions::input).
enum class InputFormat {
  F32NCHW,  // Tensor, float32, the first layer's layout (the stem: [N, 3, H, W])
  // ImagesU8, [N, H, W, 3] bytes: uploaded as bytes (a quarter of fp32), turned
  // into the network input on the GPU inside the stem (shaders/stem_conv.comp
  // -DINPUT_U8), exactly as images_u8_to_nchw on the host. Needs the stem first.
  U8NHWC,
};

// Which queue copies a batch's input from its host-visible staging buffer
// into device memory.
enum class UploadQueue {
  // Transfer where the context has a transfer queue and the batch input is at
  // least kTransferUploadBytes, else Compute. (On the H200 at batch 1, 173 and
  // 691 KB, both gave the same round trip within noise and Transfer streamed
  // 6-10% more images/s; the threshold keeps small inputs in one submission
  // until other devices are measured: docs/PERFORMANCE.md, "Eighth session".)
  Auto,
  // Recorded just before the stages, on the compute queue: one submission, but
  // the copy cannot run while the previous batch's stages do.
  Compute,
  // On the transfer queue (a DMA engine), the stages waiting for it through a
  // timeline semaphore: the next batch's upload overlaps this batch's stages.
  // DeviceError when the context has no transfer queue.
  Transfer,
};
// VkPlanOptions::wait_spin_us's default on GPUs: at most half a millisecond
// of one core per wait (CUDA's default schedule polls too, where cores are
// plenty).
constexpr int kDefaultWaitSpinUs = 500;

// UploadQueue::Auto's threshold, bytes of device input per batch.
constexpr size_t kTransferUploadBytes = size_t(1) << 20;

struct VkPlanOptions {
  int batch = 1;                   // images per run, >= 1
  int height = kDefaultImageSize;  // input H, >= kMinImageSize
  int width = kDefaultImageSize;   // input W, >= kMinImageSize
  Precision precision = Precision::FP16;
  // fp16 GEMM-shaped layers use cooperative matrices where the device has f16
  // ones (false: the SCALAR variants; effnet-infer --no-coopmat, EFFNET_NO_COOPMAT=1).
  bool allow_coopmat = true;
  // fp16 pointwise and linear layers use workgroup-scope COOPMAT2 tiles where
  // the device has VK_NV_cooperative_matrix2 (DeviceInfo::has_coopmat2) and
  // allow_coopmat (GemmChoice::allow_coopmat2; effnet-bench --coopmat2). Off by
  // default until measured faster.
  bool allow_coopmat2 = false;
  std::optional<GemmTile> force_gemm_tile;  // test-only: this tile (SCALAR or COOPMAT) for every GEMM
  // test-only: this cooperative-matrix shape {m, n, k} for every GEMM (DeviceError
  // when the device lacks it, coopmat is not allowed or the precision is fp32)
  std::optional<std::array<uint32_t, 3>> force_coopmat_shape;
  // COOPMAT GEMM epilogue (GemmTile::epilogue) instead of the rule's, where it
  // applies (effnet-bench --gemm-epilogue, for A/B runs); the fp32 C stage elsewhere.
  std::optional<GemmEpilogue> gemm_epilogue;
  // Instead of the rule's invocation tile of the depthwise / stem layers
  // (effnet-bench --depthwise-tile / --stem-tile, for sweeps).
  std::optional<ConvTile> depthwise_tile, stem_tile;
  // Which MBConv blocks (expand, depthwise, project) run as one fused stage
  // (shaders/mbconv.comp): Auto where measured faster (mbconv_worth_fusing),
  // Always where a tile fits the device, Never (effnet-infer --no-fuse,
  // EFFNET_NO_FUSE=1) layer by layer.
  FusePolicy fuse = FusePolicy::Auto;
  // For A/B runs (effnet-bench --fuse-blocks): fuse exactly these blocks
  // ("mbconv4", ...) where a tile fits; ignored with fuse Never (MBConvChoice::only).
  std::vector<std::string> fuse_blocks;
  // Where a block is not fused whole: its expand and depthwise layers as one
  // expand_dw stage (StageKind::ExpandDw, mbconv.comp -DEXPAND_DW; the
  // expanded tensor stays on chip). Auto where measured faster
  // (expand_dw_worth), Always where a tile fits (tests, effnet-bench
  // --expand-dw always), Never. Ignored (Never) with fuse Never, and with
  // fuse_blocks unless Always.
  FusePolicy expand_dw = FusePolicy::Auto;
  // Opt in (effnet-bench --dw-project, for A/B runs): a depthwise layer that
  // is not part of a fused block runs inside the pointwise GEMM after it
  // (StageKind::DwProject) where that fits (dw_project_fuse,
  // model/vk_stage_code.h); ignored with fuse Never. Off by default: on the
  // H200 it measured slower than the two layers apart at every batch
  // (docs/PERFORMANCE.md, "dw_project: a negative result").
  bool fuse_dw_project = false;
  std::optional<MBConvTile>
      force_mbconv_tile;     // test-only: this tile for every fused block (or expand_dw stage)
  uint32_t mbconv_skip = 0;  // profiling only (EFFNET_SC_SKIP, shaders/abi.h): wrong results when not 0
  // Profiling only (effnet-bench mbconv-profile): fused blocks run the
  // mbconv_coopmat_fp16_prof variant, which records per-workgroup phase clocks
  // (read by VkPlan::mbconv_profile). DeviceError unless every fused block is
  // COOPMAT with split 1 and the context enabled shader clocks.
  bool mbconv_profile = false;
  // Batches in flight at once through submit() / wait(), 1..kMaxInflight
  // (ShapeError otherwise): each adds an input-sized device buffer and two
  // host-visible ones (upload, readback); device_buffer_bytes() counts the first.
  int inflight = 2;
  UploadQueue upload_queue = UploadQueue::Auto;
  // Threads that copy a large host input (256 KB or more) into the staging
  // buffer at submit(): 0 up to 16 (and the hardware threads), n at most n,
  // 1 the calling thread alone (effnet-infer, whose decoding workers already
  // keep every core busy: helpers would wait for a core). ShapeError when < 0.
  int pack_threads = 0;
  // wait() / run() poll the GPU's progress for up to this many microseconds
  // before blocking in the driver (0: block at once). Polling keeps a core
  // busy but saves the wake-up latency of a blocking wait (H200, batch 1:
  // round trip GPU + 49 us polling, + 69 us blocking at once). -1 (default):
  // kDefaultWaitSpinUs on a GPU, 0 on a CPU device (lavapipe: polling would
  // take a core from the driver's own threads). ShapeError below -1.
  int wait_spin_us = -1;
  // Per-stage GPU times (effnet-bench layers): a timestamp after every stage.
  // Each costs two full pipeline barriers (a timestamp does not order later
  // commands), measured at ~9 us per stage on an H200, so the default records
  // only the first and last timestamps (PlanTiming::total_ms; stage_ms empty).
  bool profile_layers = false;
  // Per-device tuning table (model/vk_tuning.h, find_tuning_table): "auto"
  // (the table beside the context's pipeline cache file, else the built-in one
  // of this device, driver and shader build), "off" (the rules), or a file.
  // A table entry replaces the rule's tile of its layer unless a forced
  // choice above applies (force_gemm_tile, force_coopmat_shape, gemm_epilogue,
  // depthwise_tile, stem_tile) or it needs cooperative matrices that are off;
  // an entry the device rejects is a one-line warning and the rule.
  std::string tuning = "auto";
  // false (benchmarks, the tuner): no host staging or readback buffers (a
  // plan of a large layer holds hundreds of MB of pinned host memory, slow to
  // allocate); run(), submit() and import_input() are then ShapeErrors and the
  // input is set on the device by copy_input_from; replay() times it.
  bool host_io = true;
  // The host input run() / submit() take (ShapeError for the other one).
  InputFormat input = InputFormat::F32NCHW;
  // U8NHWC: ImageNet mean/std normalisation after v / 255 (false: v / 255
  // only, KernelBench-style inputs in [0, 1]); model/preprocess.h normalize_u8.
  bool normalize = true;
};

// GPU time of the last run() / wait() / replay() from timestamp queries, in milliseconds.
struct PlanTiming {
  bool available = false;        // false when the queue has no timestamps
  double total_ms = 0;           // first stage start .. last stage end (no transfers)
  std::vector<double> stage_ms;  // one per stage, in stages() order; empty unless profile_layers
};

class VkPlan;

// Zero-copy input for VkPlan::submit / run: a host buffer of the caller's
// (a Tensor's data or ImagesU8 bytes) imported into the device's address
// space once (VK_EXT_external_memory_host, vk::HostImport), so a batch's
// upload copies it from there on the GPU's copy engine: no host copy into the
// plan's staging buffer (the limit of fp32 streaming: docs/PERFORMANCE.md,
// "Ninth session"). Made by VkPlan::import_input; move-only. The caller writes
// the next batch's values into the same memory between batches, but not while
// a batch submitted from it is in flight (before its ticket is waited), and
// keeps the memory allocated while the HostInput lives. Destroying it waits
// for the batches still reading it; it may outlive its plan, not the Context.
class HostInput {
 public:
  HostInput();
  ~HostInput();
  HostInput(HostInput&&) noexcept;
  HostInput& operator=(HostInput&&) noexcept;
  HostInput(const HostInput&) = delete;
  HostInput& operator=(const HostInput&) = delete;
  bool empty() const { return !state_; }
  struct State;

 private:
  friend class VkPlan;
  std::shared_ptr<State> state_;
};

class VkPlan {
 public:
  // The whole network: run(x) takes x [batch, 3, height, width] fp32 NCHW (or,
  // InputFormat::U8NHWC, ImagesU8 [batch, height, width, 3]) and returns logits
  // [batch, net.classes] fp32.
  // Throws ShapeError (batch < 1, height or width < kMinImageSize, malformed
  // layers; fp16: a folded weight stored in fp16 that overflows it, naming the
  // tensor, model/fp16_range.h), DeviceError (fp16 asked on a device without shaderFloat16 +
  // storageBuffer16BitAccess; not enough device memory; tile or grid limits),
  // VulkanError.
  VkPlan(vk::Context& ctx, const Network& net, const VkPlanOptions& opt);

  // Consecutive layers (shapes must chain) on an input of `input_shape` in the
  // layout cpu_layer takes for layers[0]: [N, C, H, W] for the stem, [N, H, W, C]
  // for Pointwise/Depthwise3x3/HeadPool, [N, C] for Linear; with
  // InputFormat::U8NHWC the stem's [N, H, W, 3]. Output in cpu_layer's
  // layout of the last layer. opt.batch/height/width are ignored (the shape says
  // them); any H, W >= 1. Same errors as above; ShapeError when input_shape does
  // not fit layers[0] or the stem is not first.
  VkPlan(vk::Context& ctx, std::vector<Layer> layers, const std::vector<int64_t>& input_shape,
         const VkPlanOptions& opt);

  // Waits for the batches still in flight (their logits are dropped).
  ~VkPlan();
  VkPlan(const VkPlan&) = delete;
  VkPlan& operator=(const VkPlan&) = delete;

  // x: fp32, shape input_shape() (layout above); returns fp32 of output_shape().
  // wait(submit(x)): needs a free slot (TicketError when inflight batches are
  // submitted and not waited). Throws ShapeError when x's shape differs from
  // the plan's; VulkanError on a GPU failure (including VK_TIMEOUT after 10 minutes).
  Tensor run(const Tensor& x);

  // The same for a plan with InputFormat::U8NHWC: x.shape() must equal
  // input_shape() ([batch, height, width, 3]). ShapeError on a shape mismatch,
  // a null x.data, or a plan that takes fp32 input (and run(Tensor) on a
  // uint8 plan).
  Tensor run(const ImagesU8& x);
  Ticket submit(const ImagesU8& x);

  // Asynchronous run. submit() packs x (as run()) into a free slot's upload
  // buffer, queues the batch and returns at once; x may be changed or freed
  // on return. Throws ShapeError (x's shape), TicketError when inflight()
  // batches are already submitted and not waited, VulkanError.
  Ticket submit(const Tensor& x);
  // Blocks until the batch of t is done and returns its logits (fp32,
  // output_shape()), equal bit for bit to run() on the same input; frees its
  // slot and sets last_timing() to that batch's GPU time. Tickets may be waited
  // in any order. Throws TicketError (a ticket never issued, or waited
  // already), VulkanError (VK_TIMEOUT after 10 minutes, a lost device: the
  // ticket is then spent).
  Tensor wait(Ticket t);
  // Zero-copy input (HostInput above): imports x's memory for this plan's
  // uploads. x must have the plan's input shape and format (a Tensor for an
  // F32NCHW plan whose input is stored as fp32, ImagesU8 for U8NHWC), and its
  // memory stay allocated while the HostInput lives; its values are read at
  // each submit(HostInput), not now. The import pins the pages, which takes
  // time (effnet-bench stream reports it): import once, submit many times. Throws ShapeError
  // (shape or format; an input stored as fp16), DeviceError (the device lacks
  // VK_EXT_external_memory_host: can_import_input()), VulkanError (the driver
  // refused the memory).
  HostInput import_input(const Tensor& x);
  HostInput import_input(const ImagesU8& x);
  // Whether import_input can work on this plan's device.
  bool can_import_input() const;
  // As submit(x) / run(x) with the values now in the imported memory.
  // ShapeError for an empty HostInput or one imported by another plan.
  Ticket submit(const HostInput& x);
  Tensor run(const HostInput& x);
  int inflight() const;  // VkPlanOptions::inflight
  // The queue that uploads the input (UploadQueue::Auto resolved).
  UploadQueue upload_queue() const;
  int outstanding() const;  // tickets submitted and not waited

  // Replays the recorded stages on the input already on the device (that of
  // the last waited batch, or zeros): for benchmarks. Updates last_timing().
  // TicketError while batches are in flight.
  void replay();

  // For benchmarks: the device input of src's last batch (its last waited
  // or replayed input) copied into this plan's, which the next replay() reads.
  // ShapeError when the input shapes, formats or storage differ; TicketError
  // while either plan has batches in flight.
  void copy_input_from(const VkPlan& src);

  // Test hook: fills the device output and intermediate activation buffers, and
  // every slot's host readback buffer, with NaN, so a test sees any element run()
  // fails to write. TicketError while batches are in flight.
  void poison_outputs();

  const std::vector<int64_t>& input_shape() const;
  const std::vector<int64_t>& output_shape() const;
  Precision precision() const;
  // The stages in dispatch order: each covers one layer or a fused block.
  const std::vector<Stage>& stages() const;
  // The variants of the layers that run as their own stage (every layer when
  // nothing is fused), in order: shader variant, precision, tile sizes, grid.
  const std::vector<LayerVariant>& variants() const;
  // Multi-line: one describe() line per stage, then the tuning line
  // (TuningLookup::describe: the table used, or why the rules are).
  std::string describe() const;
  // The tuning table the plan read (VkPlanOptions::tuning), and how many of
  // its stages took a tuned variant.
  const TuningLookup& tuning() const;
  int tuned_stages() const;
  PlanTiming last_timing() const;
  // Bytes of the device-local buffers the plan allocated (weights, input,
  // output, activations, partial sums; not the host staging and readback).
  uint64_t device_buffer_bytes() const;
  const vk::DeviceInfo& device() const;
  // Profiling only (VkPlanOptions::mbconv_profile): the records of the last
  // run of fused stage `stage` (index into stages()), EFFNET_MBCONV_PROF_WORDS
  // uint32 per workgroup in grid order (shaders/mbconv_layout.h); empty for a
  // stage that is not a profiled fused block.
  std::vector<uint32_t> mbconv_profile(size_t stage) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace effnet
