#include <map>
#include <optional>
#include <set>
#include <utility>

#include "backends/backend_impl.h"
#include "model/vk_nonfinite.h"
#include "model/vk_plan.h"
#include "vk_runtime/errors.h"

namespace effnet::app {
namespace {

class VulkanBackend final : public Backend {
 public:
  VulkanBackend(const Network& net, const BackendOptions& opts)
      : Backend(opts.inflight, opts.normalize),
        net_(net),
        options_(plan_options(opts)),
        ctx_(opts.context),
        plan_(ctx_, net, options_) {}

  Tensor run(const Tensor& x) override { return plan_.run(x); }
  Ticket submit(const Tensor& x) override { return plan_.submit(x); }
  // With BackendOptions::input_u8 the bytes go to the GPU (VkPlan's
  // InputFormat::U8NHWC); else the host converts them.
  Tensor run(const ImagesU8& x) override { return u8() ? plan_.run(x) : Backend::run(x); }
  Ticket submit(const ImagesU8& x) override { return u8() ? plan_.submit(x) : Backend::submit(x); }
  Tensor wait(Ticket t) override { return plan_.wait(t); }
  Tensor run_reused(const Tensor& x) override {
    return reused(x.data.data(), x.data.size() * sizeof(float), x, u8());
  }
  Tensor run_reused(const ImagesU8& x) override {
    if (!u8()) return Backend::run(x);
    return reused(x.data, x.bytes(), x, false);
  }
  void forget_buffers() override {
    imports_.clear();
    seen_.clear();
  }
  int outstanding() const override { return plan_.outstanding(); }

  std::string device_line() const override {
    const vk::DeviceInfo& d = ctx_.info();
    return "vulkan: " + d.name + " (" + d.type + ", " + d.driver + ", Vulkan " + d.api_version_str + ")";
  }
  std::string variant_line() const override {
    int coop = 0, gemm = 0, fused = 0;
    for (const Stage& st : plan_.stages()) {
      gemm += st.mbconv || st.layer->gemm;
      coop += st.coopmat();
      fused += st.kind == StageKind::MBConv;
    }
    std::string s = std::string(precision_name(plan_.precision())) + ", ";
    s += coop ? "cooperative matrices on " + std::to_string(coop) + " of " + std::to_string(gemm) +
                    " GEMM stages"
              : "portable (SCALAR) shaders";
    s += ", " + std::to_string(fused) + " fused MBConv blocks";
    s += ", " + std::to_string(plan_.stages().size()) + " stages in one command buffer";
    const TuningLookup& t = plan_.tuning();
    if (t.table) s += ", " + std::to_string(plan_.tuned_stages()) + " tuned (" + t.source + ")";
    return s;
  }
  nlohmann::json variant_json() const override {
    nlohmann::json a = nlohmann::json::array();
    for (const Stage& st : plan_.stages()) {
      nlohmann::json j{{"stage", st.name},
                       {"kind", stage_kind_name(st.kind)},
                       {"layers", st.count},
                       {"shader", st.shader()},
                       {"precision", precision_name(plan_.precision())},
                       {"coopmat", st.coopmat()},
                       {"describe", st.describe()},
                       {"tuned", st.layer && st.layer->tuned}};
      if (st.layer) {
        const LayerVariant& v = *st.layer;
        j["layer_kind"] = kind_name(v.kind);
        j["groups"] = v.groups;
        j["invocations"] = v.wg_size;
        if (v.gemm) {
          j["gemm_mnk"] = {v.gemm_m, v.gemm_n, v.gemm_k};
          j["tile"] = v.tile.str();
        }
      } else {
        const MBConvVariant& m = *st.mbconv;
        j["groups"] = m.groups;
        j["invocations"] = m.wg_size;
        j["tile"] = {
            {"th", m.tile.th}, {"tw", m.tile.tw}, {"hidden_chunk", m.tile.hc}, {"split", m.tile.split}};
        j["shared_bytes"] = m.shared_bytes;
        j["executed_flops"] = m.executed_flops;
      }
      a.push_back(j);
    }
    return a;
  }
  std::string first_nonfinite_stage(const Tensor& x) override {
    return vk_first_nonfinite_stage(ctx_, net_.layers, plan_, options_, x);
  }
  double last_gpu_ms() const override {
    const PlanTiming t = plan_.last_timing();
    return t.available ? t.total_ms : -1.0;
  }

 private:
  static VkPlanOptions plan_options(const BackendOptions& o) {
    VkPlanOptions p;
    p.batch = o.batch;
    p.height = o.height;
    p.width = o.width;
    p.precision = o.precision;
    p.allow_coopmat = o.allow_coopmat;
    p.fuse = o.fuse ? FusePolicy::Auto : FusePolicy::Never;
    p.inflight = o.inflight;
    p.input = o.input_u8 ? InputFormat::U8NHWC : InputFormat::F32NCHW;
    p.normalize = o.normalize;
    p.pack_threads = o.pack_threads;
    p.tuning = o.tuning;
    return p;
  }
  bool u8() const { return options_.input == InputFormat::U8NHWC; }
  // run_reused: the second run of the buffer [data, data + bytes) imports it
  // (the first is copied: a buffer run once does not repay its import).
  // `wrong_format`: x does not match the plan's input (run(x) reports it).
  template <typename X>
  Tensor reused(const void* data, size_t bytes, const X& x, bool wrong_format) {
    if (wrong_format || no_import_ || !plan_.can_import_input()) return plan_.run(x);
    const std::pair<const void*, size_t> key{data, bytes};
    if (const auto it = imports_.find(key); it != imports_.end()) return plan_.run(it->second);
    if (seen_.insert(key).second) return plan_.run(x);
    HostInput* in = nullptr;
    try {
      in = &imports_.emplace(key, plan_.import_input(x)).first->second;
    } catch (const vk::VulkanError&) {  // the driver refused this memory: copy from now on
      no_import_ = true;
      return plan_.run(x);
    }
    return plan_.run(*in);
  }
  const Network& net_;
  VkPlanOptions options_;
  vk::Context ctx_;
  VkPlan plan_;
  // run_reused's state; declared last: the imports die before the context.
  std::map<std::pair<const void*, size_t>, HostInput> imports_;
  std::set<std::pair<const void*, size_t>> seen_;  // buffers run once by run_reused
  bool no_import_ = false;
};

}  // namespace

std::unique_ptr<Backend> make_vulkan_backend(const Network& net, const BackendOptions& opts) {
  return std::make_unique<VulkanBackend>(net, opts);
}

}  // namespace effnet::app
