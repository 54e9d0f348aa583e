// libFuzzer target: parse_safetensors on arbitrary bytes. Any FileError is an
// expected rejection; a crash, a sanitizer report, another exception, a hang
// or memory past -rss_limit_mb is a finding (tests/fuzz/README.md).
#include <cstddef>
#include <cstdint>

#include "model/errors.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const effnet::StateDict sd = effnet::parse_safetensors(data, size, "fuzz.safetensors");
    for (const auto& [name, t] : sd)
      if (!t.value.data.empty() && t.value.data.size() != size_t(t.value.numel())) __builtin_trap();
  } catch (const effnet::FileError&) {
  }
  return 0;
}
