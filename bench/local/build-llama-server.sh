#!/usr/bin/env bash
# Builds llama.cpp's llama-server and llama-bench (CPU only) from the source bundle that node-llama-cpp ships
# in node_modules, into a cache folder outside the repo. Nothing of llama.cpp is committed; the peer benchmark
# (bench/local/peer-llama-server.ts) runs the binaries from here.
#
# Built as node-llama-cpp's own binaries are (GGML_BACKEND_DL, GGML_NATIVE off), and the CPU kernels it loads at
# run time are node-llama-cpp's own prebuilt variants (libggml-cpu-<cpu>.so, copied from its package: the same
# llama.cpp commit, so the same ABI): both sides of the peer bench pick the same variant and run the very same
# kernel code. Building the kernels here failed on a Xeon with AMX: a -march=native build crashed in
# ggml_backend_amx_mul_mat (general protection fault) and gcc 12's sapphirerapids variant died on an AMX tile load
# (invalid opcode), where node-llama-cpp's prebuilt sapphirerapids variant runs.
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
cmake --build "$build" --config Release -j "$jobs" --target llama-server llama-bench
prebuilt="$(dirname "$(find "$here/node_modules/@node-llama-cpp" -name 'libggml-cpu-*.so' -print -quit 2>/dev/null)")"
[ -n "$prebuilt" ] && [ "$prebuilt" != . ] || { echo "no prebuilt CPU variants under node_modules/@node-llama-cpp" >&2; exit 2; }
cp "$prebuilt"/libggml-cpu-*.so "$build/bin/"
echo "$build/bin"
