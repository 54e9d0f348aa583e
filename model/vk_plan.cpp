#include "model/vk_plan.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <sstream>
#include <thread>
#include <type_traits>

#include "model/errors.h"
#include "model/fp16_range.h"
#include "model/vk_stage_code.h"
#include "model/worker_pool.h"
#include "shaders/abi.h"
#include "shaders/embedded.h"
#include "shaders/mbconv_layout.h"
#include "shaders/variant_names.h"
#include "vk_runtime/algorithm.h"
#include "vk_runtime/buffer.h"
#include "vk_runtime/errors.h"
#include "vk_runtime/host_import.h"
#include "vk_runtime/sequence.h"
#include "vk_runtime/timeline.h"

namespace effnet {
namespace {

using vk::Buffer;
using vk::MemoryKind;

// The plan's input, parsed from a shape in the first layer's input layout
// (layer_kind.h): NHWC ActShape (stem: NCHW as {n, h, w, c}); for uint8
// input the stem's [N, H, W, 3].
ActShape parse_input(const Layer& first, const std::vector<int64_t>& s, InputFormat f) {
  const std::string what =
      "input " + shape_str(s) + " for layer " + first.name + " (" + kind_name(first.kind) + ")";
  for (int64_t d : s)
    if (d < 1 || d > (int64_t(1) << 30)) throw ShapeError(what + ": bad dimension");
  if (f == InputFormat::U8NHWC && first.kind != LayerKind::StemConv3x3)
    throw ShapeError(what + ": uint8 NHWC input needs the stem as the first layer");
  const ActShape a = f == InputFormat::U8NHWC ? layout_shape(Layout::NHWC, s, what)
                                              : layout_shape(kind_info(first.kind).in, s, what);
  if (a.c != first.cin) throw ShapeError(what + ": expected " + std::to_string(first.cin) + " channels");
  return a;
}

// Inputs from this size on are packed on several threads of the plan's
// WorkerPool, one per kPackChunkBytes up to kPackThreads: host-visible
// (write-combined) memory takes one thread's writes at a fraction of the
// bandwidth (docs/PERFORMANCE.md, "Eighth session").
constexpr size_t kParallelPackBytes = size_t(256) << 10;
constexpr size_t kPackChunkBytes = size_t(128) << 10;
constexpr int kPackThreads = 16;

int pack_chunks(size_t bytes) { return int(std::min<size_t>(kPackThreads, bytes / kPackChunkBytes)); }

// VkPlanOptions::wait_spin_us resolved, in nanoseconds; ShapeError below -1.
uint64_t resolve_spin_ns(int asked, const vk::DeviceInfo& dev) {
  if (asked < -1) throw ShapeError("VkPlan: wait_spin_us " + std::to_string(asked) + ": must be >= -1");
  const int us = asked >= 0 ? asked : dev.vk_type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 0 : kDefaultWaitSpinUs;
  return uint64_t(us) * 1000;
}

// VkPlanOptions::pack_threads resolved (>= 1); ShapeError when negative.
int resolve_pack_threads(int asked) {
  if (asked < 0) throw ShapeError("VkPlan: pack_threads " + std::to_string(asked) + ": must be >= 0");
  const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  return asked == 0 ? std::min(kPackThreads, hw) : asked;
}

}  // namespace

struct VkPlan::Impl {
  vk::Context& ctx;
  Precision precision;
  InputFormat input;
  bool normalize;
  std::vector<Stage> stages;
  std::vector<LayerVariant> variants;  // of the single-layer stages
  std::vector<int64_t> in_shape, out_shape;
  // Bytes per element (storage_bytes) of the plan's input, output and the
  // activations between stages (the ping-pong buffers).
  int in_bytes = 4, out_bytes = 4, act_bytes = 4;
  size_t in_elems = 0, out_elems = 0;

  std::vector<Buffer> params;  // every stage's weights, in upload order
  Buffer output, ping[2], partial, dummy;
  // One dispatch of a stage: its algorithm, push constants and grid.
  struct Dispatch {
    vk::Algorithm alg;
    std::vector<uint32_t> push;
    std::array<uint32_t, 3> groups;
  };
  std::vector<std::vector<Dispatch>> dispatches;    // per stage (stage 0 reading slots[0].input)
  std::vector<std::vector<const Buffer*>> weights;  // per stage, its parameters (StageBuffers::params)
  // One batch in flight (VkPlanOptions::inflight of them): its own staging
  // buffers and device input, and two command buffers: `up` copies upload ->
  // input, `net` waits for everything submitted before it on the compute
  // queue (the activations are shared), runs the stages on this input and
  // copies output -> readback. With a transfer upload, `up` runs on the
  // transfer queue and signals up_timeline, which `net` waits for.
  struct Slot {
    Buffer input, upload, readback;
    std::vector<Dispatch> first;  // stage 0 reading this slot's input (empty for slot 0: dispatches[0])
    std::unique_ptr<vk::Sequence> up, net;
    uint64_t value = 0;  // the timeline value its last submission signals
  };
  std::vector<Slot> slots;
  TicketBook book;
  // Shared with the HostInputs of this plan: they wait on it when they die,
  // and it names their plan (VkPlan::submit(HostInput)).
  std::shared_ptr<vk::Timeline> timeline;
  uint64_t signalled = 0;        // the last timeline value submitted
  bool transfer_upload = false;  // UploadQueue resolved: Transfer
  vk::Timeline up_timeline;      // raised by the transfer queue's uploads
  uint64_t up_signalled = 0;
  uint64_t wait_spin_ns = 0;
  int last_slot = 0;  // of the last wait(): replay() runs its input again
  PlanTiming timing;
  bool profile_layers = false;
  bool host_io = true;  // VkPlanOptions::host_io
  uint32_t mbconv_skip = 0;
  bool mbconv_prof = false;
  std::deque<std::pair<size_t, Buffer>> prof;  // stage index, its profile records (device-local)

  TuningLookup tuning;  // VkPlanOptions::tuning resolved
  int tuned_stages = 0;

  Impl(vk::Context& c, std::vector<Layer> layers, const ActShape& in, const VkPlanOptions& opt);
  // choose_variant of layer l on `in` with the tuned variant of the table where
  // one applies (VkPlanOptions::tuning); the rule when the device rejects it.
  LayerVariant choose_layer(const Layer& l, const ActShape& in, const GemmChoice& rule);
  // Nothing of the plan may be freed while the GPU uses it: waits for every submission.
  ~Impl();
  // A device-local buffer holding `bytes` (uploaded through `staging`, recorded into s).
  const Buffer& param(const void* data, size_t bytes, std::vector<Buffer>& staging, vk::Sequence& s);
  // The dispatch of a stage code's spec; DeviceError when its variant is not embedded.
  Dispatch make_dispatch(DispatchSpec spec);
  // Uploads stage k's parameters and builds its dispatches (model/vk_stage_code.h).
  void build_stage(size_t k, const std::vector<Layer>& layers, const Buffer& src, const Buffer& dst,
                   std::vector<Buffer>& staging, vk::Sequence& s);
  // The dispatches of stage k (parameters uploaded) from src to dst.
  std::vector<Dispatch> stage_dispatches(size_t k, const std::vector<Layer>& layers, const Buffer& src,
                                         const Buffer& dst);
  void record();
  // ShapeError when x's shape is not the plan's input shape.
  void check_input(const Tensor& x) const;
  void check_input(const ImagesU8& x) const;
  void check_input(const HostInput::State& x) const;
  // The state of a HostInput of [data, data + bytes) (the plan's input bytes).
  std::shared_ptr<HostInput::State> import_input(const void* data, size_t bytes);
  // The host input x (check_input passed) into a slot's mapped upload buffer,
  // in the plan's input storage (fp32 or fp16): the one place where a host
  // input format becomes the bytes the first stage reads.
  void stage_input(const Tensor& x, Slot& slot);
  void stage_input(const ImagesU8& x, Slot& slot);
  // The threads that pack large inputs, started at the first one.
  WorkerPool& packers();
  std::unique_ptr<WorkerPool> pack_pool;
  int pack_threads = 1;  // VkPlanOptions::pack_threads resolved: >= 1
  // Packed on the calling thread: a small input, or pack_threads 1.
  bool pack_alone(size_t bytes) const;
  // check_input, a free slot, stage_input, then that slot's upload and stages
  // queued; the ticket. X: Tensor or ImagesU8.
  template <typename X>
  Ticket submit(const X& x);
  void read_timing(const vk::Sequence& seq);
  // TicketError when a batch is in flight (`what` names the caller).
  void require_idle(const char* what) const;
  // ShapeError without host I/O (VkPlanOptions::host_io).
  void require_host_io() const;
};

VkPlan::Impl::Impl(vk::Context& c, std::vector<Layer> layers, const ActShape& in, const VkPlanOptions& opt)
    : ctx(c),
      precision(opt.precision),
      input(opt.input),
      normalize(opt.normalize),
      book(opt.inflight),
      timeline(std::make_shared<vk::Timeline>(c)),
      up_timeline(c),
      wait_spin_ns(resolve_spin_ns(opt.wait_spin_us, c.info())),
      profile_layers(opt.profile_layers),
      host_io(opt.host_io),
      mbconv_skip(opt.mbconv_skip),
      mbconv_prof(opt.mbconv_profile),
      pack_threads(resolve_pack_threads(opt.pack_threads)) {
  const vk::DeviceInfo& dev = ctx.info();
  if (layers.empty()) throw ShapeError("VkPlan: no layers");
  tuning = find_tuning_table(opt.tuning, ctx.pipeline_cache_path(), dev);
  if (opt.inflight < 1 || opt.inflight > kMaxInflight)
    throw ShapeError("VkPlan: inflight " + std::to_string(opt.inflight) + ": must be 1.." +
                     std::to_string(kMaxInflight));
  if (!precision_supported(dev, precision))
    throw vk::DeviceError(dev.name +
                          " lacks fp16 (shaderFloat16 and storageBuffer16BitAccess): use precision fp32");
  // A weight that fp16 storage would turn into Inf fails here, naming the tensor (model/fp16_range.h).
  if (precision == Precision::FP16)
    for (const Layer& l : layers)
      if (storage_bytes(l.kind, TensorRole::Weight, precision) == 2) check_fp16_layer(l, false);

  // Decide every stage once: a fused block where it fits, else one layer.
  ActShape cur = in;
  for (size_t i = 0; i < layers.size();) {
    if (layers[i].kind == LayerKind::StemConv3x3 && i > 0)
      throw ShapeError("VkPlan: the stem (" + layers[i].name + ") must be the first layer");
    if (cur.c != layers[i].cin)
      throw ShapeError("VkPlan: layer " + layers[i].name + " takes " + std::to_string(layers[i].cin) +
                       " channels, gets " + std::to_string(cur.c));
    if (kind_info(layers[i].kind).in == Layout::NC && (cur.h != 1 || cur.w != 1))
      throw ShapeError("VkPlan: layer " + layers[i].name + " (" + kind_name(layers[i].kind) +
                       ") needs a pooled [N, C] input");
    Stage st;
    st.first = i;
    st.in = cur;
    MBConvChoice mc{opt.allow_coopmat, opt.force_mbconv_tile, opt.fuse, opt.fuse_blocks, opt.expand_dw};
    if (opt.fuse == FusePolicy::Never || (!opt.fuse_blocks.empty() && opt.expand_dw != FusePolicy::Always))
      mc.expand_dw = FusePolicy::Never;
    st.mbconv = choose_mbconv(layers, i, cur, precision, dev, mc);
    if (!st.mbconv) st.mbconv = choose_expand_dw(layers, i, cur, precision, dev, mc);
    if (st.mbconv) {
      st.kind = st.mbconv->project ? StageKind::MBConv : StageKind::ExpandDw;
      st.name = st.mbconv->project ? st.mbconv->block : layers[i].name + "+" + layers[i + 1].name;
      st.count = st.mbconv->layer_count();
      st.out = st.mbconv->out;
    } else {
      GemmChoice choice{opt.allow_coopmat, opt.force_gemm_tile, opt.force_coopmat_shape,
                        opt.gemm_epilogue, opt.depthwise_tile,  opt.stem_tile};
      choice.stem_input_u8 = i == 0 && input == InputFormat::U8NHWC;
      choice.allow_coopmat2 = opt.allow_coopmat2;
      st.layer = choose_layer(layers[i], cur, choice);
      if (opt.fuse_dw_project && opt.fuse != FusePolicy::Never && i + 1 < layers.size() &&
          layers[i].kind == LayerKind::Depthwise3x3 && layers[i + 1].kind == LayerKind::Pointwise &&
          layers[i + 1].cin == layers[i].cout) {
        LayerVariant pw = choose_layer(layers[i + 1], st.layer->out, choice);
        if (dw_project_fuse(*st.layer, pw)) {
          st.kind = StageKind::DwProject;
          st.dw = std::move(st.layer);
          st.layer = std::move(pw);
          st.count = 2;
        }
      }
      st.name = st.dw ? layers[i].name + "+" + layers[i + 1].name : layers[i].name;
      st.out = st.layer->out;
      if (!st.dw) variants.push_back(*st.layer);
    }
    ActShape x = cur;
    for (size_t j = i; j < i + st.count; ++j) {
      const Layer& l = layers[j];
      const ActShape y = layer_out_shape(l, x);
      st.layer_flops += kind_flops(l.kind, l.cin, l.cout, x, y);
      x = y;
    }
    cur = st.out;
    i += st.count;
    stages.push_back(std::move(st));
  }
  // Storage of every tensor between stages: the kind table's (storage_bytes).
  const LayerKind first = layers.front().kind, last = layers.back().kind;
  in_bytes = input == InputFormat::U8NHWC ? 1 : storage_bytes(first, TensorRole::Input, precision);
  out_bytes = storage_bytes(last, TensorRole::Output, precision);
  in_elems = size_t(in.numel());
  out_elems = size_t(cur.numel());
  out_shape = layout_dims(kind_info(last).out, cur);

  // Memory: weights, input, output, two ping-pong activation buffers, the
  // partial sums of split fused blocks.
  size_t act_max = 4, partial_max = 4;
  for (size_t i = 0; i + 1 < stages.size(); ++i) {
    const LayerKind k = layers[stages[i].first + stages[i].count - 1].kind;
    act_bytes = storage_bytes(k, TensorRole::Output, precision);
    act_max = std::max(act_max, size_t(stages[i].out.numel()) * size_t(act_bytes));
  }
  for (const Stage& st : stages)
    if (st.mbconv) partial_max = std::max<size_t>(partial_max, st.mbconv->partial_bytes());
  // Sizes rounded up to 4 bytes (vkCmdFillBuffer and copies work in words).
  const auto round4 = [](size_t b) { return (b + 3) / 4 * 4; };
  act_max = round4(act_max);
  const size_t in_size = round4(in_elems * size_t(in_bytes));
  const size_t out_size = round4(out_elems * size_t(out_bytes));
  const size_t n_slots = size_t(opt.inflight);
  size_t total = n_slots * in_size + out_size + (stages.size() > 1 ? 2 * act_max : 0) + partial_max;
  for (const Layer& l : layers) total += size_t(kind_param_bytes(l.kind, l.cin, l.cout, precision));
  if (total > dev.device_local_bytes)
    throw vk::DeviceError("the plan needs " + std::to_string(total >> 20) + " MiB of device memory; " +
                          dev.name + " has " + std::to_string(dev.device_local_bytes >> 20) + " MiB");

  if (opt.upload_queue == UploadQueue::Transfer && !ctx.has_transfer_queue())
    throw vk::DeviceError("upload on the transfer queue: " + dev.name +
                          (dev.transfer_queue_family == UINT32_MAX ? " has no transfer-only queue family"
                                                                   : ": the context made no transfer queue"));
  transfer_upload =
      opt.upload_queue == UploadQueue::Transfer ||
      (opt.upload_queue == UploadQueue::Auto && ctx.has_transfer_queue() && in_size >= kTransferUploadBytes);
  slots.resize(n_slots);
  for (Slot& sl : slots) {
    sl.input = Buffer(ctx, in_size, MemoryKind::DeviceLocal,
                      transfer_upload ? vk::Sharing::ComputeAndTransfer : vk::Sharing::Exclusive);
    // Without host I/O, token buffers: the recorded copies move 16 bytes at most.
    sl.upload = Buffer(ctx, host_io ? in_size : std::min<size_t>(in_size, 16), MemoryKind::Upload);
    sl.readback = Buffer(ctx, host_io ? out_size : std::min<size_t>(out_size, 16), MemoryKind::Readback);
  }
  output = Buffer(ctx, out_size, MemoryKind::DeviceLocal);
  if (stages.size() > 1)
    for (auto& p : ping) p = Buffer(ctx, act_max, MemoryKind::DeviceLocal);
  partial = Buffer(ctx, partial_max, MemoryKind::DeviceLocal);
  dummy = Buffer(ctx, 16, MemoryKind::DeviceLocal);

  // Weights uploaded and pipelines with their descriptor sets built, once.
  std::vector<Buffer> staging;
  vk::Sequence s(ctx);
  s.begin();
  params.reserve(4 * stages.size());           // param() keeps references: no reallocation
  for (Slot& sl : slots) s.fill(sl.input, 0);  // replay() before any run reads zeros
  for (size_t k = 0; k < stages.size(); ++k) {
    const Buffer& src = k == 0 ? slots[0].input : ping[(k - 1) % 2];
    const Buffer& dst = k + 1 == stages.size() ? output : ping[k % 2];
    build_stage(k, layers, src, dst, staging, s);
  }
  for (size_t i = 1; i < slots.size(); ++i)
    slots[i].first = stage_dispatches(0, layers, slots[i].input, stages.size() == 1 ? output : ping[0]);
  s.end();
  s.submit_and_wait();
  record();
}

const Buffer& VkPlan::Impl::param(const void* data, size_t bytes, std::vector<Buffer>& staging,
                                  vk::Sequence& s) {
  const size_t b = (bytes + 3) / 4 * 4;
  params.emplace_back(ctx, b, MemoryKind::DeviceLocal);
  staging.emplace_back(ctx, b, MemoryKind::Upload);
  std::memset(staging.back().mapped(), 0, b);
  std::memcpy(staging.back().mapped(), data, bytes);
  staging.back().flush();
  s.copy(staging.back(), params.back(), b);
  return params.back();
}

VkPlan::Impl::Dispatch VkPlan::Impl::make_dispatch(DispatchSpec d) {
  const auto spirv = shaders::find_spirv(d.shader);
  if (spirv.empty()) throw vk::DeviceError("no embedded shader variant " + d.shader);
  const auto bytes = uint32_t(d.push.size() * 4);
  return {vk::Algorithm(ctx, d.shader, spirv, std::move(d.bindings), d.spec, bytes, d.pipeline),
          std::move(d.push), d.groups};
}

VkPlan::Impl::~Impl() {
  try {
    up_timeline.wait(up_signalled);  // an upload whose stages failed to submit
    timeline->wait(signalled);
  } catch (const std::exception&) {  // Timeline::wait waited the device idle
  }
}

void VkPlan::Impl::build_stage(size_t k, const std::vector<Layer>& layers, const Buffer& src,
                               const Buffer& dst, std::vector<Buffer>& staging, vk::Sequence& s) {
  const Stage& st = stages[k];
  const Layer& l = layers[st.first];
  std::vector<std::vector<uint8_t>> blobs =
      st.mbconv ? mbconv_params(l, layers[st.first + 1], layers[st.first + 2], *st.mbconv)
      : st.dw   ? dw_project_params(l, layers[st.first + 1], precision)
                : layer_params(l, precision);
  if (st.layer && st.layer->input_u8) {  // the stem's third parameter: the byte -> input value table
    const std::vector<float> t = normalize_u8_table(normalize);
    blobs.emplace_back(t.size() * sizeof(float));
    std::memcpy(blobs.back().data(), t.data(), blobs.back().size());
  }
  weights.emplace_back();
  for (const auto& p : blobs) weights.back().push_back(&param(p.data(), p.size(), staging, s));
  dispatches.push_back(stage_dispatches(k, layers, src, dst));
}

std::vector<VkPlan::Impl::Dispatch> VkPlan::Impl::stage_dispatches(size_t k, const std::vector<Layer>& layers,
                                                                   const Buffer& src, const Buffer& dst) {
  const Stage& st = stages[k];
  const Layer& l = layers[st.first];
  const StageBuffers b{&src, &dst, weights[k], &partial, &dummy};
  std::vector<DispatchSpec> specs;
  if (st.mbconv)
    specs = mbconv_dispatches(*st.mbconv, b, ctx.info(), mbconv_skip);
  else if (st.dw)
    specs.push_back(dw_project_dispatch(*st.dw, *st.layer, l, b));
  else
    specs.push_back(layer_stage_code(l.kind).dispatch(*st.layer, l, b));
  std::vector<Dispatch> d;
  if (st.mbconv && mbconv_prof) {
    // Profiling only: the clock-instrumented variant writes its records where
    // a split block would write partial sums (shaders/mbconv.comp -DPROFILE).
    const MBConvVariant& v = *st.mbconv;
    DispatchSpec& m = specs.front();
    if (m.shader != shaders::variant::mbconv_coopmat_fp16 || v.tile.split > 1 || !ctx.shader_clock_enabled())
      throw vk::DeviceError("mbconv profile of " + v.block +
                            ": needs the COOPMAT variant, split 1 and shader " + "clocks (" +
                            ctx.info().name + ")");
    const uint64_t words = uint64_t(v.groups[0]) * v.groups[1] * EFFNET_MBCONV_PROF_WORDS;
    if (prof.empty() || prof.back().first != k)  // stage 0 is built once per slot: one record buffer
      prof.emplace_back(k, Buffer(ctx, words * 4, MemoryKind::DeviceLocal));
    m.bindings[EFFNET_BIND_PARTIAL] = {&prof.back().second, true};
    m.shader = shaders::variant::mbconv_coopmat_fp16_prof;
  }
  for (DispatchSpec& spec : specs) d.push_back(make_dispatch(std::move(spec)));
  return d;
}

void VkPlan::Impl::record() {
  const uint32_t queries = profile_layers ? uint32_t(stages.size() + 1) : 2;
  for (Slot& sl : slots) {
    sl.up = std::make_unique<vk::Sequence>(
        ctx, 0, transfer_upload ? vk::QueueKind::Transfer : vk::QueueKind::Compute);
    sl.up->begin();
    sl.up->copy(sl.upload, sl.input, sl.upload.size());
    sl.up->end();
    vk::Sequence& seq = *(sl.net = std::make_unique<vk::Sequence>(ctx, queries));
    seq.begin();
    // The previous batch's stages and this batch's upload (submitted before)
    // done first: timestamp(0) begins with that full barrier, else barrier().
    if (!seq.has_timestamps()) seq.barrier();
    seq.timestamp(0);
    for (size_t i = 0; i < dispatches.size(); ++i) {
      for (const Dispatch& d : i == 0 && !sl.first.empty() ? sl.first : dispatches[i])
        seq.dispatch(d.alg, d.push.data(), d.groups[0], d.groups[1], d.groups[2]);
      if (profile_layers) seq.timestamp(uint32_t(i + 1));
    }
    if (!profile_layers) seq.timestamp(1);
    seq.copy(output, sl.readback, sl.readback.size());
    seq.host_barrier();
    seq.end();
  }
}

void VkPlan::Impl::read_timing(const vk::Sequence& seq) {
  const std::vector<double> ns = seq.timestamps_ns();
  timing = PlanTiming{};
  if (ns.size() != (profile_layers ? stages.size() + 1 : 2)) return;
  timing.available = true;
  timing.total_ms = (ns.back() - ns.front()) * 1e-6;
  if (profile_layers)
    for (size_t i = 0; i + 1 < ns.size(); ++i) timing.stage_ms.push_back((ns[i + 1] - ns[i]) * 1e-6);
}

VkPlan::VkPlan(vk::Context& ctx, const Network& net, const VkPlanOptions& opt) {
  if (opt.batch < 1) throw ShapeError("batch " + std::to_string(opt.batch) + ": must be >= 1");
  if (opt.height < kMinImageSize || opt.width < kMinImageSize)
    throw ShapeError("input " + std::to_string(opt.height) + "x" + std::to_string(opt.width) +
                     ": H and W must be >= " + std::to_string(kMinImageSize));
  if (net.layers.empty() || net.layers.front().kind != LayerKind::StemConv3x3 ||
      net.layers.back().kind != LayerKind::Linear)
    throw ShapeError("VkPlan: the network must start with the stem and end with the FC layer");
  const int64_t c = net.layers.front().cin;
  const std::vector<int64_t> shape = opt.input == InputFormat::U8NHWC
                                         ? std::vector<int64_t>{opt.batch, opt.height, opt.width, c}
                                         : std::vector<int64_t>{opt.batch, c, opt.height, opt.width};
  impl_ = std::make_unique<Impl>(ctx, net.layers, parse_input(net.layers.front(), shape, opt.input), opt);
  impl_->in_shape = shape;
}

VkPlan::VkPlan(vk::Context& ctx, std::vector<Layer> layers, const std::vector<int64_t>& input_shape,
               const VkPlanOptions& opt) {
  if (layers.empty()) throw ShapeError("VkPlan: no layers");
  const ActShape in = parse_input(layers.front(), input_shape, opt.input);
  impl_ = std::make_unique<Impl>(ctx, std::move(layers), in, opt);
  impl_->in_shape = input_shape;
}

VkPlan::~VkPlan() = default;

WorkerPool& VkPlan::Impl::packers() {
  if (!pack_pool) pack_pool = std::make_unique<WorkerPool>(pack_threads);
  return *pack_pool;
}

bool VkPlan::Impl::pack_alone(size_t bytes) const { return bytes < kParallelPackBytes || pack_threads == 1; }

void VkPlan::Impl::require_host_io() const {
  if (!host_io)
    throw ShapeError(
        "VkPlan: built without host buffers (VkPlanOptions::host_io false): no host input or output");
}

void VkPlan::Impl::check_input(const Tensor& x) const {
  require_host_io();
  if (input == InputFormat::U8NHWC)
    throw ShapeError("this plan takes uint8 NHWC input (ImagesU8 " + shape_str(in_shape) +
                     "), not a float32 tensor");
  if (x.shape != in_shape || x.data.size() != in_elems)
    throw ShapeError("input " + shape_str(x.shape) + " differs from the plan's " + shape_str(in_shape));
}

void VkPlan::Impl::stage_input(const Tensor& x, Slot& slot) {
  // Straight into the mapped upload buffer; large inputs on the packers (kParallelPackBytes).
  auto* dst = static_cast<uint8_t*>(slot.upload.mapped());
  const size_t bytes = in_elems * size_t(in_bytes);
  if (pack_alone(bytes)) {
    pack_storage(x.data.data(), in_elems, in_bytes, dst);
  } else {
    packers().parallel_for(
        int64_t(in_elems), std::min(pack_threads, pack_chunks(bytes)), [&](int64_t b, int64_t e) {
          pack_storage(x.data.data() + b, size_t(e - b), in_bytes, dst + size_t(b) * size_t(in_bytes));
        });
  }
  slot.upload.flush();
}

void VkPlan::Impl::check_input(const ImagesU8& x) const {
  require_host_io();
  if (input != InputFormat::U8NHWC)
    throw ShapeError("this plan takes float32 input " + shape_str(in_shape) + ", not uint8 images");
  if (!x.data) throw ShapeError("uint8 input: null data pointer");
  if (x.shape() != in_shape)
    throw ShapeError("input " + shape_str(x.shape()) + " differs from the plan's " + shape_str(in_shape));
}

void VkPlan::Impl::stage_input(const ImagesU8& x, Slot& slot) {
  auto* dst = static_cast<uint8_t*>(slot.upload.mapped());
  if (pack_alone(x.bytes())) {
    std::memcpy(dst, x.data, x.bytes());
  } else {
    packers().parallel_for(int64_t(x.bytes()), std::min(pack_threads, pack_chunks(x.bytes())),
                           [&](int64_t b, int64_t e) { std::memcpy(dst + b, x.data + b, size_t(e - b)); });
  }
  slot.upload.flush();
}

void VkPlan::Impl::require_idle(const char* what) const {
  if (const int n = book.outstanding())
    throw TicketError(std::string(what) + ": " + std::to_string(n) +
                      " submitted batch(es) not waited yet: wait for them first");
}

template <typename X>
Ticket VkPlan::Impl::submit(const X& x) {
  check_input(x);
  const int k = book.free_slot("VkPlan::submit");
  Slot& slot = slots[size_t(k)];
  const vk::Sequence* up = slot.up.get();
  if constexpr (std::is_same_v<X, HostInput::State>)
    up = x.up[size_t(k)].get();  // the copy from the caller's memory: nothing to pack
  else
    stage_input(x, slot);
  if (transfer_upload) {
    // The slot's input is free: its last batch was waited (TicketBook).
    vk::submit(ctx, {up}, up_timeline, up_signalled + 1);
    ++up_signalled;
    vk::submit(ctx, {slot.net.get()}, *timeline, signalled + 1, {&up_timeline, up_signalled});
  } else {
    vk::submit(ctx, {up, slot.net.get()}, *timeline, signalled + 1);
  }
  slot.value = ++signalled;
  return book.issue(k);
}

// One imported host buffer: the memory, and per slot the upload copy from it
// into that slot's device input, recorded once for the plan's upload queue.
struct HostInput::State {
  vk::HostImport memory;
  std::vector<std::unique_ptr<vk::Sequence>> up;
  std::shared_ptr<vk::Timeline> timeline;  // the plan's: it names the plan and outlives it
  uint64_t last_use = 0;                   // the timeline value of the last batch reading `memory`
};

HostInput::HostInput() = default;
HostInput::HostInput(HostInput&&) noexcept = default;
HostInput& HostInput::operator=(HostInput&& o) noexcept {
  if (this != &o) {
    HostInput old(std::move(*this));  // waits for the old state's batches
    state_ = std::move(o.state_);
  }
  return *this;
}
HostInput::~HostInput() {
  if (!state_) return;
  try {
    state_->timeline->wait(state_->last_use);
  } catch (const std::exception&) {  // Timeline::wait waited the device idle
  }
}

void VkPlan::Impl::check_input(const HostInput::State& x) const {
  if (x.timeline != timeline) throw ShapeError("VkPlan::submit: a HostInput imported by another plan");
}

std::shared_ptr<HostInput::State> VkPlan::Impl::import_input(const void* data, size_t bytes) {
  require_host_io();
  const size_t dev_bytes = in_elems * size_t(in_bytes);
  if (bytes != dev_bytes)
    throw ShapeError("import_input: " + std::to_string(bytes) + " bytes for a plan input of " +
                     std::to_string(dev_bytes));
  auto st = std::make_shared<HostInput::State>();
  st->memory = vk::HostImport(ctx, data, bytes);
  st->timeline = timeline;
  for (Slot& sl : slots) {
    st->up.push_back(std::make_unique<vk::Sequence>(
        ctx, 0, transfer_upload ? vk::QueueKind::Transfer : vk::QueueKind::Compute));
    st->up.back()->begin();
    st->up.back()->copy(st->memory, sl.input, bytes);
    st->up.back()->end();
  }
  return st;
}

HostInput VkPlan::import_input(const Tensor& x) {
  impl_->check_input(x);
  if (impl_->in_bytes != 4)
    throw ShapeError(
        "import_input: this plan stores its input as fp16 (packed on the host); import needs fp32");
  HostInput h;
  h.state_ = impl_->import_input(x.data.data(), x.data.size() * sizeof(float));
  return h;
}

HostInput VkPlan::import_input(const ImagesU8& x) {
  impl_->check_input(x);
  HostInput h;
  h.state_ = impl_->import_input(x.data, x.bytes());
  return h;
}

bool VkPlan::can_import_input() const { return impl_->ctx.info().host_import; }

Ticket VkPlan::submit(const HostInput& x) {
  if (!x.state_) throw ShapeError("VkPlan::submit: an empty HostInput");
  const Ticket t = impl_->submit(*x.state_);
  x.state_->last_use = impl_->signalled;
  return t;
}

Tensor VkPlan::run(const HostInput& x) { return wait(submit(x)); }

Ticket VkPlan::submit(const Tensor& x) { return impl_->submit(x); }
Ticket VkPlan::submit(const ImagesU8& x) { return impl_->submit(x); }

Tensor VkPlan::wait(Ticket t) {
  Impl& p = *impl_;
  const int k = p.book.slot_of(t, "VkPlan::wait");
  p.book.release(t, "VkPlan::wait");  // a GPU failure below leaves no slot held
  Impl::Slot& slot = p.slots[size_t(k)];
  p.timeline->wait(slot.value, 600'000'000'000ull, p.wait_spin_ns);
  p.read_timing(*slot.net);
  p.last_slot = k;
  slot.readback.invalidate();
  Tensor y(p.out_shape);
  unpack_storage(slot.readback.mapped(), p.out_elems, p.out_bytes, y.data.data());
  return y;
}

Tensor VkPlan::run(const Tensor& x) { return wait(submit(x)); }
Tensor VkPlan::run(const ImagesU8& x) { return wait(submit(x)); }

int VkPlan::inflight() const { return impl_->book.slots(); }
UploadQueue VkPlan::upload_queue() const {
  return impl_->transfer_upload ? UploadQueue::Transfer : UploadQueue::Compute;
}
int VkPlan::outstanding() const { return impl_->book.outstanding(); }

void VkPlan::replay() {
  Impl& p = *impl_;
  p.require_idle("VkPlan::replay");
  const Impl::Slot& slot = p.slots[size_t(p.last_slot)];
  vk::submit(p.ctx, {slot.net.get()}, *p.timeline, ++p.signalled);
  p.timeline->wait(p.signalled);
  p.read_timing(*slot.net);
}

void VkPlan::copy_input_from(const VkPlan& src) {
  Impl& p = *impl_;
  const Impl& q = *src.impl_;
  p.require_idle("VkPlan::copy_input_from");
  q.require_idle("VkPlan::copy_input_from");
  if (p.in_shape != q.in_shape || p.input != q.input || p.in_bytes != q.in_bytes)
    throw ShapeError("VkPlan::copy_input_from: input " + shape_str(q.in_shape) + " (" +
                     std::to_string(q.in_bytes) + " B per element) differs from the plan's " +
                     shape_str(p.in_shape) + " (" + std::to_string(p.in_bytes) + " B)");
  vk::Sequence s(p.ctx);
  s.begin();
  s.copy(q.slots[size_t(q.last_slot)].input, p.slots[0].input, p.in_elems * size_t(p.in_bytes));
  s.end();
  s.submit_and_wait();
  p.last_slot = 0;
}

void VkPlan::poison_outputs() {
  Impl& p = *impl_;
  p.require_idle("VkPlan::poison_outputs");
  vk::Sequence s(p.ctx);
  s.begin();
  const auto nan = [](int bytes) {
    return bytes == 4 ? 0x7fc00000u : 0x7e007e00u;
  };  // fp32 NaN, or two fp16 NaNs
  s.fill(p.output, nan(p.out_bytes));
  for (auto& b : p.ping)
    if (b.get()) s.fill(b, nan(p.act_bytes));
  s.end();
  s.submit_and_wait();
  for (Impl::Slot& slot : p.slots) {  // 0xffff / 0xffffffff: NaN in fp16 and fp32
    std::memset(slot.readback.mapped(), 0xff, slot.readback.size());
    slot.readback.flush();
  }
}

const std::vector<int64_t>& VkPlan::input_shape() const { return impl_->in_shape; }
const std::vector<int64_t>& VkPlan::output_shape() const { return impl_->out_shape; }
Precision VkPlan::precision() const { return impl_->precision; }
const std::vector<Stage>& VkPlan::stages() const { return impl_->stages; }
const std::vector<LayerVariant>& VkPlan::variants() const { return impl_->variants; }
PlanTiming VkPlan::last_timing() const { return impl_->timing; }
uint64_t VkPlan::device_buffer_bytes() const {
  const Impl& p = *impl_;
  uint64_t b = p.output.size() + p.partial.size() + p.dummy.size();
  for (const Impl::Slot& slot : p.slots) b += slot.input.size();
  for (const Buffer& x : p.ping) b += x.get() ? x.size() : 0;
  for (const Buffer& x : p.params) b += x.size();
  return b;
}
const vk::DeviceInfo& VkPlan::device() const { return impl_->ctx.info(); }

std::vector<uint32_t> VkPlan::mbconv_profile(size_t stage) const {
  Impl& p = *impl_;
  for (const auto& [k, buf] : p.prof) {
    if (k != stage) continue;
    Buffer rb(p.ctx, buf.size(), MemoryKind::Readback);
    vk::Sequence s(p.ctx);
    s.begin();
    s.copy(buf, rb, buf.size());
    s.end();
    s.submit_and_wait();
    rb.invalidate();
    std::vector<uint32_t> words(buf.size() / 4);
    std::memcpy(words.data(), rb.mapped(), buf.size());
    return words;
  }
  return {};
}

std::string VkPlan::describe() const {
  std::ostringstream o;
  for (const auto& st : impl_->stages) o << st.describe() << "\n";
  o << impl_->tuning.describe();
  if (impl_->tuning.table) o << ": " << impl_->tuned_stages << " stages tuned";
  o << "\n";
  return o.str();
}

const TuningLookup& VkPlan::tuning() const { return impl_->tuning; }
int VkPlan::tuned_stages() const { return impl_->tuned_stages; }

LayerVariant VkPlan::Impl::choose_layer(const Layer& l, const ActShape& in, const GemmChoice& rule) {
  GemmChoice choice = rule;
  const TunedLayer* t = tuning.table ? tuning.table->find(l.name, in, precision) : nullptr;
  bool use = false;
  if (t && t->gemm && kind_is_gemm(l.kind) && !choice.force_tile && !choice.force_coopmat_shape &&
      !choice.epilogue && (!t->gemm->coopmat() || choice.allow_coopmat)) {
    choice.force_tile = t->gemm;
    use = true;
  }
  if (t && t->conv && l.kind == LayerKind::Depthwise3x3 && !choice.depthwise_tile) {
    choice.depthwise_tile = t->conv;
    use = true;
  }
  if (t && t->conv && l.kind == LayerKind::StemConv3x3 && !choice.stem_tile) {
    choice.stem_tile = t->conv;
    use = true;
  }
  if (use) {
    try {
      LayerVariant v = choose_variant(l, in, precision, ctx.info(), choice);
      v.tuned = true;
      ++tuned_stages;
      return v;
    } catch (const vk::DeviceError& e) {
      tuning_warning(tuning.source + ": the tuned " + t->choice() + " of " + l.name + " does not fit (" +
                     e.what() + "); using the rule");
    } catch (const ShapeError& e) {
      tuning_warning(tuning.source + ": the tuned " + t->choice() + " of " + l.name + " is not valid (" +
                     e.what() + "); using the rule");
    }
  }
  return choose_variant(l, in, precision, ctx.info(), rule);
}

}  // namespace effnet
