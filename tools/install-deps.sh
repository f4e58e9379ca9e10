#!/usr/bin/env bash
# Install every Debian 12 package dfp needs to build, test and run.
# Idempotent; needs root (or sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS=(
    meson ninja-build pkg-config gcc python3
    libdpdk-dev dpdk libyaml-dev libcmocka-dev libpcap-dev
    # sanitizer builds and libFuzzer targets (tests/sanitize, tests/fuzz); llvm-14
    # has llvm-symbolizer for their stack traces
    clang libclang-rt-14-dev llvm-14
    # real traffic through the appliance (tests/e2e/netns, tools/netns-topo.sh)
    iproute2 ethtool iputils-ping curl netcat-openbsd
)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ] || [ "${DFP_FORCE_APT:-0}" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}"
fi
