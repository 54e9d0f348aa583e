#!/usr/bin/env bash
# vk_runtime/ sits at the bottom (docs/DESIGN.md, "Modules"): it includes
# nothing of this project outside vk_runtime/ and reads no environment
# (apps/context_env.h does, into vk::ContextOptions). Prints each offending
# line and exits 1; exits 0 when there are none. (The build enforces the
# includes too: vk_runtime compiles against an include root holding only
# vk_runtime/, see vk_runtime/CMakeLists.txt.)
set -u
cd "$(dirname "$0")/.."
status=0
if out=$(grep -n '#include "' vk_runtime/*.h vk_runtime/*.cpp | grep -v '#include "vk_runtime/'); then
  echo "vk_runtime includes from outside vk_runtime/:"
  echo "$out"
  status=1
fi
if out=$(grep -nE '\b(secure_)?getenv *\(' vk_runtime/*.h vk_runtime/*.cpp); then
  echo "vk_runtime reads the environment (take it as ContextOptions instead):"
  echo "$out"
  status=1
fi
# The libraries below apps/ read no environment either: each main reads it
# (apps/context_env.h) and passes it down as options.
if out=$(grep -nE '\b(secure_)?getenv *\(' model/*.h model/*.cpp backends/*.h backends/*.cpp cuda_ref/*.h \
  cuda_ref/*.cpp cuda_ref/*.cu 2>/dev/null); then
  echo "a library reads the environment (read it in main, apps/context_env.h, and pass options):"
  echo "$out"
  status=1
fi
[ $status = 0 ] && echo "vk_runtime: no upward include, no getenv; model, backends, cuda_ref: no getenv"
exit $status
