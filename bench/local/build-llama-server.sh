#!/usr/bin/env bash
# Builds llama.cpp's llama-server and llama-bench (CPU only) from the source bundle that node-llama-cpp ships
# in node_modules, into a cache folder outside the repo. Nothing of llama.cpp is committed; the peer benchmark
# (bench/local/peer-llama-server.ts) runs the binaries from here.
#
# Built as node-llama-cpp's own binaries are (GGML_BACKEND_DL with every CPU variant, GGML_NATIVE off), so both
# sides of the peer bench load the same CPU variant and kernels at run time. A -march=native build crashed on a
# Xeon with AMX (general protection fault in ggml_backend_amx_mul_mat at the first decode) where node-llama-cpp's
# sapphirerapids variant runs.
#   usage: bash bench/local/build-llama-server.sh            # prints the bin dir on the last line
#   env:   LLAMA_SRC (default ~/.cache/ladder/llama.cpp-src), JOBS (default 2)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bundle="$here/node_modules/node-llama-cpp/llama/gitRelease.bundle"
src="${LLAMA_SRC:-$HOME/.cache/ladder/llama.cpp-src}"
jobs="${JOBS:-2}"
[ -f "$bundle" ] || { echo "no llama.cpp bundle at $bundle (npm install first)" >&2; exit 2; }
if [ ! -d "$src/.git" ]; then
  git clone --quiet "$bundle" "$src"
fi
build="$src/build-variants"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON \
  -DLLAMA_CURL=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DBUILD_SHARED_LIBS=ON >/dev/null
# The CPU variants are modules loaded at run time, not linked: build them by name.
variants=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. \(ggml-cpu-[a-z0-9_]*\).*/\1/p' | sort -u)
# shellcheck disable=SC2086
cmake --build "$build" --config Release -j "$jobs" --target llama-server llama-bench $variants
echo "$build/bin"
