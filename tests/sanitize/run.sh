#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Sanitizer builds: configure a separate clang build directory and run the
# 'unit' and 'stress' meson suites in it (keep 'stress' under about 60 s
# sanitized).
#
#   tests/sanitize/run.sh address [meson test args...]
#       -Db_sanitize=address,undefined in build-san-address
#   tests/sanitize/run.sh thread [meson test args...]
#       -Db_sanitize=thread in build-san-thread
#
# Exit status is meson test's (0 = every test passed); results are in
# build-san-<kind>/meson-logs/testlog.json, which .ci/run counts:
#
#   for kind in address thread; do tests/sanitize/run.sh "$kind" || rc=1; done
#
# Needs clang and libclang-rt-14-dev. DPDK itself is the distribution's
# uninstrumented shared build: only our code and the test binaries are
# instrumented, so races or overflows inside DPDK are not seen (and do not
# need suppressing, see tsan.supp). Set DFP_SAN_RECONFIGURE=1 to wipe and
# reconfigure the build directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

kind=${1:-}
[ $# -gt 0 ] && shift
case "$kind" in
address) sanitize=address,undefined ;;
thread) sanitize=thread ;;
*)
	echo "usage: $0 address|thread [meson test args...]" >&2
	exit 2
	;;
esac

dir=build-san-$kind
if [ "${DFP_SAN_RECONFIGURE:-0}" = 1 ]; then
	rm -rf "$dir"
fi
if [ ! -f "$dir/build.ninja" ]; then
	# b_lundef=false: clang links the sanitizer runtime only into
	# executables, so shared objects must be allowed undefined symbols.
	# No werror here: warnings are gated by the gcc -Werror CI build; this
	# build is for sanitizer reports.
	CC=clang meson setup "$dir" \
		-Db_sanitize="$sanitize" -Db_lundef=false \
		-Dbuildtype=debugoptimized -Dtests=enabled
fi
ninja -C "$dir"

# halt_on_error: the first report fails the test binary, so meson sees it.
# history_size=7 (the maximum): readers run ~10^5 bursts between reading a
# filter and its reclaim; with a shorter history TSan cannot restore the old
# access's stack and silently drops the race (checked by mutation: removing
# the reader->writer edge of the grace period is reported only with 7).
export TSAN_OPTIONS="suppressions=$root/tests/sanitize/tsan.supp halt_on_error=1 second_deadlock_stack=1 history_size=7 ${TSAN_OPTIONS:-}"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
# Sanitized code runs 2-15x slower: cap the concurrency writer by time.
export DFP_TEST_CONCURRENCY_MS="${DFP_TEST_CONCURRENCY_MS:-6000}"

# The 'dp' suite hands mbufs between threads through DPDK's ring PMD, whose
# synchronisation is not instrumented: ASan only.
suites=(--suite unit --suite stress)
[ "$kind" = address ] && suites+=(--suite dp)
exec meson test -C "$dir" "${suites[@]}" --print-errorlogs --num-processes 2 \
	--timeout-multiplier 4 "$@"
