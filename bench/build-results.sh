#!/usr/bin/env bash
# Assembles bench/RESULTS.md from the per-area result files each benchmark writes under bench/results/.
set -euo pipefail
cd "$(dirname "$0")"
{
  cat results/_summary.md
  for f in results/*.md; do
    [ "$(basename "$f")" = "_summary.md" ] && continue
    printf '\n---\n\n'
    sed 's/^# /## /' "$f"
  done
} > RESULTS.md
echo "wrote bench/RESULTS.md"
