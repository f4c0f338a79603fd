#!/usr/bin/env bash
# `npm run example`: sets up only what the example needs (npm packages, the build, the local model), then runs
# the it-tickets ladder (zero-shot and few-shot on SmolLM2-135M) and writes its report. Each step says its time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
start=$(date +%s)
printf '\n== ladder run examples/it-tickets/ladder.yaml\n'
node bin/ladder.js run examples/it-tickets/ladder.yaml
printf '   (%ss)\n' "$(( $(date +%s) - start ))"
printf '\n== ladder report (run from examples/it-tickets, where the run is stored)\n'
(cd examples/it-tickets && node ../../bin/ladder.js report)
