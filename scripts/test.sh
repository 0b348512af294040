#!/usr/bin/env bash
# The whole test suite on a fresh clone: set-up (idempotent), typecheck, vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit -p .
npx vitest run "$@"
