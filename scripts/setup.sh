#!/usr/bin/env bash
# One idempotent set-up for a fresh clone: npm packages, then the Debian packages harc's targets and
# tests need (cross compilers, picolibc, QEMU, ONNX conformance data). Fast when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages" >&2
  # onnxruntime-node's install script downloads GPU parts (unreachable here); its CPU runtime ships in the package
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/setup-toolchains.sh
