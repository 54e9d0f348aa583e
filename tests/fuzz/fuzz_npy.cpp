// libFuzzer target: parse_npy on arbitrary bytes. FileError is an expected
// rejection; anything else is a finding (tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "model/errors.h"
#include "model/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const effnet::Tensor t = effnet::parse_npy(data, size, "fuzz.npy");
    if (t.data.size() != size_t(t.numel())) __builtin_trap();  // a shape that disagrees with its data
  } catch (const effnet::FileError&) {
  }
  return 0;
}
