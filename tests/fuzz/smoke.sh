#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Fuzzing smoke run (CI): configure a clang build directory with the
# libFuzzer targets, build them, run each for a bounded time over its seed
# corpus, and fail on any finding (crash, sanitizer report, leak, timeout,
# broken invariant).
#
#   tests/fuzz/smoke.sh [TARGET...]        default: every target
#
# Environment:
#   FUZZ_BUILD=DIR       build directory (default build-fuzz)
#   FUZZ_SECONDS=N       time per target (default 45; -max_total_time)
#   FUZZ_RUNS=N          executions per target at most (default 100000; -runs)
#   FUZZ_KEEP_CORPUS=1   keep the corpus grown by earlier runs (default: start
#                        from the seeds each time)
#   FUZZ_RECONFIGURE=1   wipe and reconfigure the build directory
#   FUZZ_NICE=N          niceness of the fuzzers (default 19)
#
# Each target runs alone under `nice` (the machine may be busy with timing-
# sensitive tests). The build: ASan+UBSan (-Db_sanitize), the dfp libraries
# and the targets instrumented for coverage (-fsanitize=fuzzer-no-link in
# c_args; the targets link -fsanitize=fuzzer). UBSan and ASan stop at the
# first report, LeakSanitizer is on.
#
# Seeds (read-only; new inputs go to $FUZZ_BUILD/fuzz-corpus/TARGET):
#   fuzz_parse    frames of ../shared/data/pcap (seeds.py frames, at run time)
#   fuzz_walk     tests/fuzz/corpus/fuzz_walk + ../shared/data/pcap (seeds.py pcap)
#   fuzz_conf     config/ and tests/conf/bad/ (by path), tests/fuzz/corpus/fuzz_conf
#   fuzz_console  tests/fuzz/corpus/fuzz_console (+ fuzz_console.dict)
#   fuzz_ctl_seq  tests/fuzz/corpus/fuzz_ctl_seq
#
# Output: one log per target in $FUZZ_BUILD/fuzz-logs/, findings in
# $FUZZ_BUILD/fuzz-artifacts/TARGET/ (reproduce: BINARY ARTIFACT), a summary
# with libFuzzer's "Done N runs in S second(s)" per target, and
# $FUZZ_BUILD/fuzz-results.txt, one line per target:
#   TARGET ok|FAIL runs=N seconds=S exec_per_s=E corpus=FILES
# which .ci/run counts (ok = passed, FAIL = failed). Exit status 0 if every
# target passed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD

# Absolute paths throughout: fuzz_console changes its directory at start-up.
build=$(realpath -m "${FUZZ_BUILD:-build-fuzz}")
seconds=${FUZZ_SECONDS:-45}
runs=${FUZZ_RUNS:-100000}
niceness=${FUZZ_NICE:-19}
all_targets=(fuzz_parse fuzz_walk fuzz_conf fuzz_console fuzz_ctl_seq)
if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=("${all_targets[@]}")
fi

results="$build/fuzz-results.txt"
rm -f "$results"
fail_all() {
	# The build failed: every target counts as failed.
	mkdir -p "$build"
	: >"$results"
	for t in "${targets[@]}"; do
		echo "$t FAIL runs=0 seconds=0 exec_per_s=0 corpus=0 (build)" >>"$results"
	done
	cat "$results"
	exit 1
}

if [ "${FUZZ_RECONFIGURE:-0}" = 1 ]; then
	rm -rf "$build"
fi
# b_lundef=false: clang links the sanitizer runtimes into executables only.
opts=(-Dfuzz=enabled "-Db_sanitize=address,undefined" -Db_lundef=false
	-Dc_args=-fsanitize=fuzzer-no-link -Dbuildtype=debugoptimized)
# An existing directory gets these options (a no-op when it has them); one
# configured with another compiler than clang is made afresh.
if [ -f "$build/build.ninja" ]; then
	if ! grep -qE '^ command = (ccache )?clang' "$build/build.ninja" ||
			! meson configure "$build" "${opts[@]}" >/dev/null 2>&1; then
		echo "fuzz: $build is not a clang build with the fuzz options: configuring it afresh"
		rm -rf "$build"
	fi
fi
if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "${opts[@]}" >"$build.setup.log" 2>&1 ||
		{ cat "$build.setup.log"; echo "fuzz: meson setup failed"; fail_all; }
fi
ninja_targets=()
for t in "${targets[@]}"; do
	ninja_targets+=("tests/fuzz/$t")
done
nice -n "$niceness" ninja -C "$build" "${ninja_targets[@]}" ||
	{ echo "fuzz: build failed"; fail_all; }

# Seeds generated at run time from ../shared (never copied into the tree).
shared=$(meson introspect --buildoptions "$build" 2>/dev/null |
	python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "shared_dir"), ""))' 2>/dev/null)
[ -n "$shared" ] || shared="$root/../shared"
pcaps="$shared/data/pcap"
gen="$build/fuzz-seeds"
rm -rf "$gen"
mkdir -p "$gen/walk" "$gen/frames"
if [ -d "$pcaps" ]; then
	python3 tests/fuzz/seeds.py pcap "$gen/walk" "$pcaps" >/dev/null
	python3 tests/fuzz/seeds.py frames "$gen/frames" "$pcaps" >/dev/null
else
	echo "fuzz: no $pcaps: fuzz_parse and fuzz_walk start from the committed seeds only"
fi

seeds_of() {
	case "$1" in
	fuzz_parse) echo "$gen/frames" ;;
	fuzz_walk) echo "$root/tests/fuzz/corpus/fuzz_walk $gen/walk" ;;
	fuzz_conf) echo "$root/config $root/tests/conf/bad $root/tests/fuzz/corpus/fuzz_conf" ;;
	fuzz_console) echo "$root/tests/fuzz/corpus/fuzz_console" ;;
	fuzz_ctl_seq) echo "$root/tests/fuzz/corpus/fuzz_ctl_seq" ;;
	esac
}

extra_of() {
	case "$1" in
	fuzz_console) echo "-dict=$root/tests/fuzz/fuzz_console.dict" ;;
	fuzz_ctl_seq) echo "-max_len=1024" ;;
	esac
}

symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0${symbolizer:+:external_symbolizer_path=$symbolizer}:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

mkdir -p "$build/fuzz-logs"
: >"$results"
rc=0
for t in "${targets[@]}"; do
	corpus="$build/fuzz-corpus/$t"
	artifacts="$build/fuzz-artifacts/$t"
	log="$build/fuzz-logs/$t.log"
	[ "${FUZZ_KEEP_CORPUS:-0}" = 1 ] || rm -rf "$corpus"
	rm -rf "$artifacts"
	mkdir -p "$corpus" "$artifacts"
	# shellcheck disable=SC2046 # seed directories and options are word lists
	nice -n "$niceness" "$build/tests/fuzz/$t" -max_total_time="$seconds" -runs="$runs" \
		-timeout=25 -rss_limit_mb=3072 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" $(extra_of "$t") "$corpus" $(seeds_of "$t") \
		>"$log" 2>&1
	status=$?
	done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	secs=$(echo "$done_line" | sed -n 's/.* in \([0-9]*\) second.*/\1/p')
	# Under a second libFuzzer reports 0 executions per second.
	[ "${eps:-0}" = 0 ] && [ "${n:-0}" != 0 ] && eps=">${n}"
	files=$(find "$corpus" -type f | wc -l)
	findings=$(find "$artifacts" -type f | wc -l)
	if [ "$status" -eq 0 ] && [ -n "$done_line" ] && [ "$findings" -eq 0 ]; then
		verdict=ok
	else
		verdict=FAIL
		rc=1
	fi
	echo "$t $verdict runs=${n:-0} seconds=${secs:-0} exec_per_s=${eps:-0} corpus=$files" >>"$results"
	if [ "$verdict" = FAIL ]; then
		echo "=== $t: FAILED (exit $status), last lines of $log:"
		grep -v -E '^#[0-9]+|^\s+NEW_FUNC|^"' "$log" | tail -40
		for a in "$artifacts"/*; do
			[ -f "$a" ] && echo "reproduce: $build/tests/fuzz/$t $a"
		done
	fi
done

echo "--- fuzz smoke summary (${seconds}s or ${runs} runs per target) ---"
for t in "${targets[@]}"; do
	log="$build/fuzz-logs/$t.log"
	line=$(grep "^$t " "$results")
	done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" 2>/dev/null | tail -1)
	printf '%-13s %s  [%s]\n' "$t" "${line#"$t" }" "${done_line:-no Done line}"
done
exit $rc
