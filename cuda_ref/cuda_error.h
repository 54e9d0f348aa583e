// The error family of the CUDA reference path (no CUDA headers needed).
#pragma once
#include "model/errors.h"

namespace effnet {

// A CUDA, cuDNN or cuBLAS call failed, or no usable CUDA device exists. The
// message is one line naming the failing call and the library's status name.
struct CudaError : Error {
  using Error::Error;
};

}  // namespace effnet
