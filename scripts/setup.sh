#!/usr/bin/env bash
# One idempotent set-up for a fresh clone: npm packages, then the Debian packages harc's targets and
# tests need (cross compilers, picolibc, QEMU, ONNX conformance data). Fast when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# A symlinked node_modules is shared with another checkout: npm ci would empty it under that checkout's feet.
if [[ ! -L node_modules ]] && [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages" >&2
  # onnxruntime-node's install script downloads GPU parts (unreachable here); its CPU runtime ships in the package
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/setup-toolchains.sh
# Compiled JavaScript for a CLI that starts at once; skipped when dist/ matches the sources.
if ! node --input-type=module -e "import {readFileSync} from 'node:fs'; import {sourceStamp, STAMP_FILE} from './bin/source-stamp.js';
  process.exit(readFileSync('dist/'+STAMP_FILE, 'utf8').trim() === sourceStamp('.') ? 0 : 1)" 2>/dev/null; then
  echo "setup: compiling src/ to dist/" >&2
  node scripts/build.mjs
fi
