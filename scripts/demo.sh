#!/usr/bin/env bash
# The main job on the bundled example: compile the HAR CNN of the zoo to C, run it on 256 real
# UCI-HAR windows on the host and in QEMU (Cortex-M4), measure what the firmware costs, then the
# same for int8 (calibrated on 256 training windows) with float vs int8 accuracy side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
harc() { node bin/harc.js "$@"; }
model=zoo/models/har-cnn.onnx
set -x
harc inspect "$model"
harc compile "$model" --target cortex-m4 -o out/har-cnn
harc run "$model" --target host --input zoo/data/test_X.npy --output out/har-cnn-host.npy
harc run "$model" --target cortex-m4 --input zoo/data/test_X.npy --output out/har-cnn-m4.npy
harc measure "$model" --target cortex-m4
harc check "$model" --target cortex-m4 --max-flash 128KiB --max-sram 64KiB --report out/har-cnn-check.json
harc measure "$model" --target cortex-m4 --precision int8 --calib zoo/data/calib_X.npy
harc eval "$model" --data zoo/data/test_X.npy --labels zoo/data/test_y.npy --calib zoo/data/calib_X.npy
