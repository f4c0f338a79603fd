#!/usr/bin/env bash
# Sets up Ladder's LoRA trainer (the only Python in the repository). Idempotent: re-running skips what is done.
#   1. trainer/.venv: a Python 3.11 venv with torch==2.13.0 (CPU wheel; never an unpinned torch, which would
#      pull a multi-GB CUDA build) and trainer/requirements.txt.
#   2. llama.cpp's converters at the exact version node-llama-cpp runs, cloned from the source bundle that
#      node-llama-cpp ships, into ${LADDER_CACHE:-$HOME/.cache/ladder}/llama.cpp-<commit>.
# Prints the venv's python and the llama.cpp folder at the end. Env: LADDER_PYTHON (default python3.11).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/trainer/.venv"
REQS="$ROOT/trainer/requirements.txt"
TORCH_VERSION="2.13.0"
CACHE="${LADDER_CACHE:-$HOME/.cache/ladder}"
BUNDLE="$ROOT/node_modules/node-llama-cpp/llama/gitRelease.bundle"
say() { printf '[setup-trainer] %s\n' "$*"; }

PY="${LADDER_PYTHON:-}"
if [[ -z "$PY" ]]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY="$candidate"; break; fi
  done
fi
[[ -n "$PY" ]] || { say "no python3.11 found; install Python 3.11 (apt-get install -y python3.11 python3.11-venv)"; exit 1; }
PYVER="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
[[ "$PYVER" == "3.11" ]] || say "warning: $PY is Python $PYVER; the pinned torch wheel is for 3.11"

# --- 1. venv -----------------------------------------------------------------------------------------------
STAMP="$VENV/.ladder-stamp"
WANT="torch==$TORCH_VERSION $(sha256sum "$REQS" | cut -d' ' -f1) py$PYVER"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" && -x "$VENV/bin/python" ]]; then
  say "venv up to date ($VENV)"
else
  if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating venv with $PY ($PYVER)"
    if ! "$PY" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      say "python -m venv failed; installing python3-venv with apt-get"
      apt-get install -y "python$PYVER-venv" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "python$PYVER-venv" python3-venv >/dev/null; }
      "$PY" -m venv "$VENV"
    fi
  fi
  PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
  say "installing torch==$TORCH_VERSION (CPU wheel)"
  "${PIP[@]}" install -q "torch==$TORCH_VERSION" 2> >(grep -v "is ignored: it is neither" >&2)
  say "installing trainer/requirements.txt"
  "${PIP[@]}" install -q -r "$REQS" "torch==$TORCH_VERSION" 2> >(grep -v "is ignored: it is neither" >&2)
  if ! "$VENV/bin/python" -c 'import torch, sys; sys.exit(0 if "+cpu" in torch.__version__ or not torch.version.cuda else 1)'; then
    say "warning: the installed torch is a CUDA build ($("$VENV/bin/python" -c 'import torch; print(torch.__version__)'))"
  fi
  echo "$WANT" > "$STAMP"
  say "venv ready"
fi

# --- 2. llama.cpp converters -------------------------------------------------------------------------------
if [[ ! -f "$BUNDLE" ]]; then
  say "node-llama-cpp's source bundle is missing ($BUNDLE): run npm install first"; exit 1
fi
COMMIT="$(git bundle list-heads "$BUNDLE" | awk '$2=="HEAD"{print $1; exit}')"
[[ -n "$COMMIT" ]] || COMMIT="$(git bundle list-heads "$BUNDLE" | awk '{print $1; exit}')"
LLAMA_DIR="$CACHE/llama.cpp-${COMMIT:0:12}"
if [[ -f "$LLAMA_DIR/convert_lora_to_gguf.py" && -f "$LLAMA_DIR/convert_hf_to_gguf.py" ]]; then
  say "llama.cpp converters present ($LLAMA_DIR)"
else
  say "cloning llama.cpp ${COMMIT:0:12} from node-llama-cpp's bundle"
  mkdir -p "$CACHE"
  rm -rf "$LLAMA_DIR.tmp"
  git -c advice.detachedHead=false clone -q "$BUNDLE" "$LLAMA_DIR.tmp"
  git -C "$LLAMA_DIR.tmp" -c advice.detachedHead=false checkout -q "$COMMIT"
  rm -rf "$LLAMA_DIR" && mv "$LLAMA_DIR.tmp" "$LLAMA_DIR"
fi
# The converters import the checkout's own gguf-py (sys.path), so only its runtime deps must be present.
if ! (cd "$LLAMA_DIR" && "$VENV/bin/python" -c 'import sys; sys.path.insert(1, "gguf-py"); import gguf, numpy, yaml, tqdm' 2>/dev/null); then
  say "installing gguf-py's requirements"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check numpy pyyaml tqdm "torch==$TORCH_VERSION"
fi
# Ladder reads the converter's location from here (src/training/lora/trainer-env.ts).
echo "$LLAMA_DIR" > "$VENV/ladder-llama-cpp-dir"
"$VENV/bin/python" -c 'import torch, transformers, peft, trl; print("[setup-trainer] torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__, "trl", trl.__version__)'
say "python: $VENV/bin/python"
say "llama.cpp: $LLAMA_DIR"
