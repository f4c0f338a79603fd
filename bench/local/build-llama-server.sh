#!/usr/bin/env bash
# Builds llama.cpp's llama-server and llama-bench (CPU only) from the source bundle that node-llama-cpp ships
# in node_modules, into a cache folder outside the repo. Nothing of llama.cpp is committed; the peer benchmark
# (bench/local/peer-llama-server.ts) runs the binaries from here.
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
cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
  -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DBUILD_SHARED_LIBS=OFF >/dev/null
cmake --build "$src/build" --config Release -j "$jobs" --target llama-server llama-bench
echo "$src/build/bin"
