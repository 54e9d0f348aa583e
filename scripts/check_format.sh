#!/usr/bin/env bash
# Checks that every tracked C++/CUDA source is formatted with the repository's
# .clang-format (run by ctest as style.clang_format; exit 0 with a message when
# clang-format is not installed). Fix with: clang-format -i <files>.
set -u
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then echo "clang-format not installed: check skipped"; exit 0; fi
bad=()
while IFS= read -r f; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cpp' '*.h' '*.cu' '*.cuh' 2>/dev/null | grep -v '^shaders/')
if [ ${#bad[@]} -gt 0 ]; then
  echo "not clang-formatted (clang-format -i ${bad[*]}):"; printf '  %s\n' "${bad[@]}"; exit 1
fi
echo "all C++/CUDA sources clang-formatted"
