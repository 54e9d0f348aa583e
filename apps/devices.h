// --list-devices: the Vulkan devices (and CUDA devices when built with CUDA).
#pragma once
#include <ostream>

namespace effnet::app {
// Human table, or one JSON object {"vulkan": [...], "cuda": [...]} when `json`.
void print_devices(std::ostream& os, bool json);
}  // namespace effnet::app
