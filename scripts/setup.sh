#!/usr/bin/env bash
# Sets up what Ladder needs, idempotently, and says how long each step took. Every step skips work already done.
#   scripts/setup.sh          what the example needs: npm packages, the build (dist/), the local model (~98 MB)
#   scripts/setup.sh --all    also what the tests need: chromium (the report's browser test) and the LoRA
#                             trainer (Python venv with PyTorch + llama.cpp's converter; also `ladder setup trainer`)
# Env: LADDER_SKIP_APT=1 (no apt-get), LADDER_SKIP_TRAINER=1 (no trainer venv), LADDER_PYTHON (trainer's Python),
#      LADDER_CACHE (models and llama.cpp converters; default ~/.cache/ladder).
#   --all also installs pgvector into the machine's PostgreSQL (scripts/setup-pgvector.sh) and converts the sentence embedder (all-MiniLM-L6-v2 → Q8_0 GGUF, with the trainer's venv) for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_nodedir="${npm_config_nodedir:-/usr}"   # native builds use Debian's Node headers, no download
ALL=""; [ "${1:-}" = "--all" ] && ALL=1

STEP_START=0
step() { STEP_START=$(date +%s); printf '\n== %s\n' "$*"; }
done_step() { printf '   (%ss)\n' "$(( $(date +%s) - STEP_START ))"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && { echo "present: $*"; return 0; }
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
}

step "npm install"
if [ ! -f node_modules/.ladder-installed ] || [ package.json -nt node_modules/.ladder-installed ] || [ package-lock.json -nt node_modules/.ladder-installed ]; then
  # npm shows its own progress on a terminal; --foreground-scripts prints the native builds as they run.
  npm install --no-audit --no-fund --foreground-scripts
  # node-llama-cpp pulls every platform's prebuilt binaries (~640 MB); this machine uses the x64 CPU one.
  rm -rf node_modules/@node-llama-cpp/{linux-x64-cuda,linux-x64-cuda-ext,linux-x64-vulkan,linux-arm64,linux-armv7l,linux-riscv64}
  touch node_modules/.ladder-installed
else
  echo "up to date"
fi
done_step

step "build (dist/)"
npm run --silent build
done_step

step "local model SmolLM2-135M (98 MB, sha256-checked)"
node bin/ladder.js models pull smollm2-135m
done_step

if [ -n "$ALL" ]; then
  if [ -z "${LADDER_SKIP_APT:-}" ]; then
    step "Debian packages for the tests (chromium: the report's browser test; python3-venv: the trainer)"
    apt_install chromium python3-venv
    done_step
    step "pgvector (the Postgres retrieval index's tests; built from Debian's source package, instant when installed)"
    bash scripts/setup-pgvector.sh
    done_step
  fi
  if [ -z "${LADDER_SKIP_TRAINER:-}" ]; then
    step "LoRA trainer (Python venv with CPU PyTorch, PEFT, TRL; llama.cpp's converter)"
    bash scripts/setup-trainer.sh
    done_step
    # The sentence embedder is converted from safetensors with the llama.cpp converter the trainer step set up.
    step "embedding model all-MiniLM-L6-v2, Q8_0 (for the tests)"
    node bin/ladder.js models pull minilm-l6
    done_step
  fi
fi
echo
echo "setup done"
