#!/usr/bin/env bash
# Sets up (scripts/setup.sh), configures and builds effnet-vk into ./build.
#   BUILD_DIR=...  another build folder;  EFFNET_CMAKE_ARGS="..." extra cmake arguments
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${EFFNET_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
