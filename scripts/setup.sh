#!/usr/bin/env bash
# Sets up everything Ladder needs on a fresh Debian machine, idempotently:
#   Debian packages (chromium for the report's browser test, python3-venv), npm packages,
#   the local model (SmolLM2-135M GGUF, sha256-checked), the Python venv of the LoRA trainer and the
#   sentence embedder (all-MiniLM-L6-v2, converted to GGUF once with that venv; both ends sha256-checked).
# Safe to run again: every step skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_nodedir="${npm_config_nodedir:-/usr}"   # native builds use Debian's Node headers, no download

step() { printf '\n== %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  step "apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

if [ -z "${LADDER_SKIP_APT:-}" ]; then
  apt_install chromium python3-venv
fi

step "npm install"
if [ ! -f node_modules/.ladder-installed ] || [ package.json -nt node_modules/.ladder-installed ] || [ package-lock.json -nt node_modules/.ladder-installed ]; then
  npm install --no-audit --no-fund
  # node-llama-cpp pulls every platform's prebuilt binaries (~640 MB); this machine uses the x64 CPU one.
  rm -rf node_modules/@node-llama-cpp/{linux-x64-cuda,linux-x64-cuda-ext,linux-x64-vulkan,linux-arm64,linux-armv7l,linux-riscv64}
  touch node_modules/.ladder-installed
else
  echo "up to date"
fi

step "local model"
node bin/ladder.js models pull smollm2-135m

if [ -z "${LADDER_SKIP_TRAINER:-}" ] && [ -x scripts/setup-trainer.sh ]; then
  step "trainer venv"
  scripts/setup-trainer.sh
  # The sentence embedder is converted from safetensors with the llama.cpp converter the trainer step set up.
  step "embedding model"
  node bin/ladder.js models pull minilm-l6
fi
echo
echo "setup done"
