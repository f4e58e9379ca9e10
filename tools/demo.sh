#!/usr/bin/env bash
# Quick start: install, build, and run dfp on its bundled demo (two pcap
# ports replaying a generated capture, no NIC, no hugepages) with the
# console open. Extra arguments go to dfp after "--" (e.g. --cmdline-file F).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
# The demo YAML carries the EAL options (no hugepages, pcap vdevs, lcores 0,1).
exec ./build/app/dfp/dfp --file-prefix "dfp-demo-$$" --no-shconf --log-level=lib.eal:error \
    -- -f build/config/demo.yaml -i --auto-start "$@"
