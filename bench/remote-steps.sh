#!/usr/bin/env bash
# Change-by-change figures for the remote hot path in one run: builds each given commit in its own folder under
# ${LADDER_STEPS_DIR:-/tmp/ladder-steps}/<commit> (git archive + this clone's node_modules + tsc + the CLI bundle
# when the commit has one), then runs bench/remote-process.ts with the current build as `ladder`, the first commit
# as `ladder before` and every other commit as `ladder <n>-<commit>`. Builds are kept and reused.
#
#   npm run build && bash bench/remote-steps.sh [--examples 2000] [--rounds 3] BASE_COMMIT [COMMIT ...]
#   e.g. bash bench/remote-steps.sh --rounds 3 ff9a05f 0c3ac7f 86cc2c9 bdf7cc3 92d30e4 8d7b2f5
set -euo pipefail
cd "$(dirname "$0")/.."
args=()
while [[ $# -gt 0 && $1 == --* ]]; do args+=("$1" "$2"); shift 2; done
[[ $# -ge 1 ]] || { echo "usage: bash bench/remote-steps.sh [--examples N] [--rounds N] BASE_COMMIT [COMMIT ...]" >&2; exit 2; }
steps="${LADDER_STEPS_DIR:-/tmp/ladder-steps}"
build() {
  local dir="$steps/$1"
  if [[ ! -f "$dir/.built" ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    git archive "$1" | tar -x -C "$dir"
    ln -s "$(realpath node_modules)" "$dir/node_modules"
    (cd "$dir" && node node_modules/typescript/bin/tsc -p tsconfig.build.json && { [[ ! -f scripts/bundle-cli.mjs ]] || node scripts/bundle-cli.mjs; })
    touch "$dir/.built"
  fi
  echo "$dir/bin/ladder.js"
}
base="$(build "$1")"; shift
compare=()
n=1
for commit in "$@"; do compare+=("$n-$commit=$(build "$commit")"); n=$((n + 1)); done
joined="$(IFS=,; echo "${compare[*]:-}")"
exec npx tsx bench/remote-process.ts "${args[@]}" --only "bare,bare undici,ladder,ladder before" --baseline-bin "$base" ${joined:+--compare "$joined"}
