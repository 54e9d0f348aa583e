// The environment switches of effnet-infer, effnet-bench and the tests, read
// in this one place; vk_runtime itself reads no environment and takes them as
// vk::ContextOptions.
//
//   EFFNET_GPU=N                Vulkan device index (effnet-infer --list-devices); --gpu wins
//   EFFNET_VK_VALIDATION=1      the Khronos validation layer
//   EFFNET_VK_NO_FP16=1         treat the device as lacking fp16 (tests the fp32 path)
//   EFFNET_VK_PIPELINE_STATS=1  each new pipeline's statistics on stderr
//   EFFNET_PIPELINE_CACHE=FILE  the pipeline cache file ("", "0" or "off": none); unset:
//                               $XDG_CACHE_HOME/effnet-vk/, else ~/.cache/effnet-vk/
//                               <vendor>-<device>-<driver>.bin
//   EFFNET_NO_COOPMAT=1         no cooperative matrices (read by the mains into their plan options)
//   EFFNET_NO_FUSE=1            MBConv blocks layer by layer (read by the mains into their plan options)
//   EFFNET_TUNING=auto|off|FILE the tuning table (VkPlanOptions::tuning; --tuning wins); unset: auto
//
// A switch (env_flag) is off when unset, "" or "0" and on for any other value.
#pragma once
#include "vk_runtime/context.h"

namespace effnet::app {

// Unset, "" or "0": false; anything else: true.
bool env_flag(const char* name);

// The options above. gpu_flag: a --gpu value; other than -1 it wins over
// EFFNET_GPU (and Context reports a bad one). Throws vk::DeviceError when
// EFFNET_GPU is not a device index (the message lists the devices).
vk::ContextOptions context_options_from_env(int gpu_flag = -1);

// EFFNET_TUNING, or "auto" when unset or "".
std::string env_tuning();

}  // namespace effnet::app
