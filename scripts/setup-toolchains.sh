#!/usr/bin/env bash
# Installs the cross compilers, C libraries and QEMU that harc's MCU targets
# need, and the headless browser the HTML-report tests drive (Debian/Ubuntu). Idempotent: checks every tool first and apt-installs
# only the missing packages; prints nothing when everything is present.
#   bash scripts/setup-toolchains.sh          # install what is missing
#   bash scripts/setup-toolchains.sh --check  # only report, exit 1 if missing
set -euo pipefail

check_only=0
[[ "${1:-}" == "--check" ]] && check_only=1

missing=()
need_pkg() { # package
  local p
  for p in "${missing[@]:-}"; do [[ "$p" == "$1" ]] && return 0; done
  missing+=("$1")
}
have() { command -v "$1" >/dev/null 2>&1; }
# gcc prints the bare name back when the spec file is not in its search path.
have_specs() { # compiler specfile
  have "$1" || return 1
  local f
  f=$("$1" -print-file-name="$2" 2>/dev/null) || return 1
  [[ "$f" == /* && -f "$f" ]]
}

have gcc                          || need_pkg gcc           # host target + QEMU plugin
have make                         || need_pkg make          # tests: a user's own Makefile build
have cmake                        || need_pkg cmake         # tests: a user's own CMake build
have arm-none-eabi-gcc            || need_pkg gcc-arm-none-eabi
have arm-none-eabi-size           || need_pkg binutils-arm-none-eabi
have_specs arm-none-eabi-gcc picolibc.specs || need_pkg picolibc-arm-none-eabi
have riscv64-unknown-elf-gcc      || need_pkg gcc-riscv64-unknown-elf
have riscv64-unknown-elf-size     || need_pkg binutils-riscv64-unknown-elf
have_specs riscv64-unknown-elf-gcc picolibc.specs || need_pkg picolibc-riscv64-unknown-elf
have qemu-system-arm              || need_pkg qemu-system-arm
have qemu-system-riscv32          || need_pkg qemu-system-misc
[[ -d /usr/share/libonnx-testdata/data/node ]] || need_pkg libonnx-testdata  # ONNX operator conformance tests
have chromium                     || need_pkg chromium      # tests: sweep/adaptive HTML reports in a real browser

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "setup-toolchains: missing packages: ${missing[*]}" >&2
if [[ $check_only -eq 1 ]]; then
  echo "setup-toolchains: install with: apt-get install -y ${missing[*]}" >&2
  exit 1
fi

if ! have apt-get; then
  echo "setup-toolchains: apt-get not found; install these packages (or equivalents) by hand: ${missing[*]}" >&2
  exit 1
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if have sudo; then sudo_cmd=(sudo); else
    echo "setup-toolchains: not root and no sudo; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=600)
"${sudo_cmd[@]}" apt-get update -q -o DPkg::Lock::Timeout=600
"${sudo_cmd[@]}" apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}"

# Verify.
for t in gcc arm-none-eabi-gcc riscv64-unknown-elf-gcc qemu-system-arm qemu-system-riscv32; do
  have "$t" || { echo "setup-toolchains: '$t' still missing after install" >&2; exit 1; }
done
echo "setup-toolchains: installed ${missing[*]}" >&2
