// Exit codes of effnet-infer and effnet-bench (also listed in their --help).
#pragma once

namespace effnet::app {
inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;  // unexpected failure (a bug: please report it)
inline constexpr int kExitUsage = 2;     // bad command-line arguments
inline constexpr int kExitFile = 3;      // missing, truncated or malformed file
inline constexpr int kExitInput = 4;     // wrong shape, dtype, batch size or non-finite value
inline constexpr int kExitDevice = 5;    // no usable device, missing feature, Vulkan/CUDA failure

inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad file, 4 bad input (shape, dtype, values),\n"
    "5 device (none usable, missing feature, Vulkan or CUDA failure).";
}  // namespace effnet::app
