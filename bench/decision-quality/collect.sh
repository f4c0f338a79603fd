#!/usr/bin/env bash
# Evaluates every rung of every bench task ONCE over its full test split (today's fixed mode) into
# bench/decision-quality/.ladder/ladder.db; replay.ts then simulates sequential pilots from the stored rows.
set -u
cd "$(dirname "$0")"
export LADDER_THREADS=${LADDER_THREADS:-1} LADDER_STATE_DIR="$PWD/.ladder"
# LADDER_BIN lets the collection run from a frozen copy of the sources while they are being edited.
for t in ${TASKS:-it-tickets clinc150 nq-open slots}; do
  echo "== $t $(date -u +%H:%M:%S)"
  # --fixed: every rung over the whole split (the default now stops each rung once its quality is decided).
  node ${LADDER_BIN:-../../bin/ladder.js} run tasks/$t.yaml --fixed 2>&1 | tail -40
done
