#!/usr/bin/env bash
# Quick start: install, build, and run dfp on its bundled demo.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
exec ./build/app/dfp/dfp --no-huge --no-pci --no-shconf -m 256 \
    --file-prefix "dfp-demo-$$" --log-level=lib.eal:error -- "$@"
