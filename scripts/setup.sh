#!/usr/bin/env bash
# Installs everything effnet-vk needs on Debian 12 (bookworm). Idempotent: a
# second run only checks. See docs/SETUP.md and ../shared/docs/TOOLCHAIN.md.
#
#   bookworm:            compilers, cmake, ninja, Vulkan loader and validation layers, nlohmann-json, stb, CLI11,
#                        zlib, dataset-fashion-mnist (the accuracy test set), libpng and libjpeg-turbo (image decoding),
#                        clang with libclang-rt-14-dev (libFuzzer: the fuzz preset)
#   bookworm-backports:  mesa-vulkan-drivers (lavapipe, Vulkan 1.4), catch2 3
#   trixie (unpacked):   libvulkan-dev >= 1.3.255 headers, Vulkan Memory Allocator
#   trixie source:       glslang 15 built once (unless glslang >= 14 or VULKAN_SDK exists)
#
# Everything not from apt goes to $EFFNET_DEPS (default /opt/effnet-vk-deps),
# outside the build folder, so it survives `rm -rf build`.
set -euo pipefail

DEPS="${EFFNET_DEPS:-/opt/effnet-vk-deps}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
log() { printf '[setup] %s\n' "$*"; }

need_pkgs=(build-essential cmake ninja-build pkg-config git ca-certificates dpkg-dev
           libvulkan1 vulkan-validationlayers nlohmann-json3-dev libstb-dev libcli11-dev python3 python3-numpy
           zlib1g-dev dataset-fashion-mnist libpng-dev libturbojpeg0-dev
           clang libclang-rt-dev  # clang 14 and its libFuzzer runtime (tests/fuzz, scripts/fuzz.sh)
           pybind11-dev python3-dev)  # the Python module (python/)
missing=()
for p in "${need_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done

# --- bookworm-backports: lavapipe from mesa 25 and catch2 3 --------------------
BP=/etc/apt/sources.list.d/effnet-bookworm-backports.list
if [ ! -f "$BP" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  log "adding bookworm-backports"
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$BP" >/dev/null
  updated=0
fi
have_bp_pkg() { # package min-version
  local v; v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || return 1
  dpkg --compare-versions "$v" ge "$2"
}
bp_missing=()
have_bp_pkg mesa-vulkan-drivers 25 || bp_missing+=(mesa-vulkan-drivers)
have_bp_pkg catch2 3 || bp_missing+=(catch2)

if [ ${#missing[@]} -gt 0 ] || [ ${#bp_missing[@]} -gt 0 ]; then
  log "apt-get update"
  $SUDO apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ ${#bp_missing[@]} -gt 0 ]; then
    log "installing from bookworm-backports: ${bp_missing[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bp_missing[@]}" >/dev/null
  fi
fi

# --- trixie: private apt state for headers, VMA and glslang source ------------
TRIXIE="$DEPS/apt-trixie"
trixie_apt() {
  apt-get -o Dir::Etc::SourceList="$TRIXIE/sources.list" -o Dir::Etc::SourceParts=/dev/null \
          -o Dir::State::Lists="$TRIXIE/lists" -o Dir::Cache="$TRIXIE/cache" \
          -o APT::Architecture=amd64 -o Debug::NoLocking=1 "$@"
}
trixie_ready=0
trixie_update() {
  [ $trixie_ready -eq 1 ] && return
  mkdir -p "$TRIXIE/lists/partial" "$TRIXIE/cache/archives/partial"
  cat > "$TRIXIE/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SRC
  log "reading trixie package lists (private, the system's lists are untouched)"
  trixie_apt update -qq
  trixie_ready=1
}

PREFIX="$DEPS/prefix"
mkdir -p "$PREFIX"
unpack_trixie() { # package marker-file
  local pkg=$1 marker=$2
  [ -e "$PREFIX/$marker" ] && return
  trixie_update
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && trixie_apt download "$pkg" >/dev/null)
  dpkg -x "$tmp"/*.deb "$tmp/root"
  cp -a "$tmp/root/usr/include/." "$PREFIX/include/" 2>/dev/null || { mkdir -p "$PREFIX/include"; cp -a "$tmp/root/usr/include/." "$PREFIX/include/"; }
  rm -rf "$tmp"
  log "unpacked $pkg headers into $PREFIX/include"
}
if [ -z "${VULKAN_SDK:-}" ]; then
  unpack_trixie libvulkan-dev include/vulkan/vulkan_core.h
fi
unpack_trixie libvulkan-memory-allocator-dev include/vk_mem_alloc.h

# --- glslang >= 14 --------------------------------------------------------------
glslang_ok() {
  local bin=$1 v
  [ -x "$(command -v "$bin" 2>/dev/null)" ] || return 1
  # "Glslang Version: 11:15.2.0" (generator:major.minor.patch) or "Glslang Version: 15.2.0"
  v=$("$bin" --version 2>/dev/null | sed -n 's/^Glslang Version: \([0-9]*:\)\{0,1\}\([0-9]*\).*/\2/p' | head -n1)
  [ -n "$v" ] && [ "$v" -ge 14 ]
}
if [ -n "${VULKAN_SDK:-}" ] && glslang_ok "$VULKAN_SDK/bin/glslang"; then
  log "using glslang from VULKAN_SDK"
elif glslang_ok glslang; then
  log "using glslang on PATH: $(command -v glslang)"
elif glslang_ok "$PREFIX/bin/glslang"; then
  log "glslang already built in $PREFIX/bin"
else
  trixie_update
  src="$DEPS/glslang-src"
  rm -rf "$src"; mkdir -p "$src"   # upstream tree: Debian's patches make it need SPIRV-Tools via pkg-config
  log "fetching glslang source from trixie"
  (cd "$src" && trixie_apt source --download-only glslang >/dev/null && dpkg-source --skip-patches -x --no-check ./*.dsc tree >/dev/null)
  log "building glslang (Release, no optimizer, about 2 minutes)"
  cmake -S "$src/tree" -B "$src/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DENABLE_OPT=OFF -DGLSLANG_TESTS=OFF -DBUILD_TESTING=OFF -DENABLE_HLSL=OFF \
        -DBUILD_SHARED_LIBS=OFF -DGLSLANG_ENABLE_INSTALL=ON -DCMAKE_INSTALL_PREFIX="$PREFIX" >/dev/null
  cmake --build "$src/build" --target install -j"$(nproc)" >/dev/null
  rm -rf "$src"
  glslang_ok "$PREFIX/bin/glslang" || { echo "setup: glslang build did not produce a working $PREFIX/bin/glslang" >&2; exit 1; }
  log "glslang installed: $("$PREFIX/bin/glslang" --version | head -n1)"
fi

# --- check ------------------------------------------------------------------------
ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || { echo "setup: lavapipe ICD not found after install" >&2; exit 1; }
log "ok: deps in $DEPS (configure with -DEFFNET_DEPS=$DEPS, the default)"
