#include <optional>

#include "apps/backend_impl.h"
#include "apps/context_env.h"
#include "model/vk_plan.h"

namespace effnet::app {
namespace {

class VulkanBackend final : public Backend {
 public:
  VulkanBackend(const Network& net, const BackendOptions& opts)
      : ctx_(context_options_from_env(opts.gpu)), plan_(ctx_, net, plan_options(opts)) {}

  Tensor run(const Tensor& x) override { return plan_.run(x); }

  std::string device_line() const override {
    const vk::DeviceInfo& d = ctx_.info();
    return "vulkan: " + d.name + " (" + d.type + ", " + d.driver + ", Vulkan " + d.api_version_str + ")";
  }
  std::string variant_line() const override {
    int coop = 0, gemm = 0;
    for (const LayerVariant& v : plan_.variants()) {
      gemm += v.gemm;
      coop += v.coopmat;
    }
    std::string s = std::string(precision_name(plan_.precision())) + ", ";
    s += coop ? "cooperative matrices on " + std::to_string(coop) + " of " + std::to_string(gemm) +
                    " GEMM layers"
              : "portable (SCALAR) shaders";
    return s + ", " + std::to_string(plan_.variants().size()) + " dispatches in one command buffer";
  }
  nlohmann::json variant_json() const override {
    nlohmann::json a = nlohmann::json::array();
    for (const LayerVariant& v : plan_.variants()) {
      nlohmann::json j{{"layer", v.layer},         {"kind", kind_name(v.kind)},
                       {"shader", v.shader},       {"precision", precision_name(v.precision)},
                       {"coopmat", v.coopmat},     {"groups", v.groups},
                       {"invocations", v.wg_size}, {"describe", v.describe()}};
      if (v.gemm) {
        j["gemm_mnk"] = {v.gemm_m, v.gemm_n, v.gemm_k};
        j["tile"] = v.tile.str();
      }
      a.push_back(j);
    }
    return a;
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
    p.allow_coopmat = o.allow_coopmat && !env_flag("EFFNET_NO_COOPMAT");
    return p;
  }
  vk::Context ctx_;
  VkPlan plan_;
};

}  // namespace

std::unique_ptr<Backend> make_vulkan_backend(const Network& net, const BackendOptions& opts) {
  return std::make_unique<VulkanBackend>(net, opts);
}

}  // namespace effnet::app
