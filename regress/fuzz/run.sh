#!/bin/sh
# SPDX-License-Identifier: ISC
# Run the libFuzzer targets of regress/fuzz, each for a bounded time,
# from the seeds in regress/fuzz/corpus/TARGET.  What a run finds is
# kept in build-fuzz/corpus/TARGET for the next run; a crash, leak,
# sanitizer report or broken invariant leaves its input in
# build-fuzz/crashes/ and makes the script exit 1.
#
#	sh regress/fuzz/run.sh [seconds [target ...]]
#
# Default: 10 seconds for each target ("make fuzz" gives 60).  The
# targets are (re)built first with "make fuzz-progs" (clang, libFuzzer).

TOP=$(cd "$(dirname "$0")/../.." && pwd)
FB=$TOP/build-fuzz
SECS=${1:-10}
shift 2>/dev/null
TARGETS=$*
if [ -z "$TARGETS" ]; then
	for f in "$TOP"/regress/fuzz/fuzz_*.c; do
		TARGETS="$TARGETS $(basename "$f" .c)"
	done
fi
case $SECS in
''|*[!0-9]*|0)
	echo "usage: run.sh [seconds [target ...]]" >&2
	exit 2
	;;
esac

make -s -C "$TOP" fuzz-progs || {
	echo "run.sh: building the fuzz targets failed (clang, libFuzzer?)" >&2
	exit 1
}
mkdir -p "$FB/crashes" || exit 1
# The log, and fuzz_config's files (under TMPDIR) even after a crash.
WORK=$(mktemp -d /tmp/ockam-fuzz.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
LOG=$WORK/log
export TMPDIR=$WORK

failed=""
for t in $TARGETS; do
	if [ ! -x "$FB/$t" ]; then
		echo "$t: no such target in $FB"
		failed="$failed $t"
		continue
	fi
	mkdir -p "$FB/corpus/$t" || exit 1
	# -timeout: one input may take at most 10 s (a hang is a crash);
	# timeout(1) bounds the whole run, corpus loading included.
	timeout $((SECS + 120)) "$FB/$t" -max_total_time="$SECS" \
	    -timeout=10 -error_exitcode=1 -timeout_exitcode=1 \
	    -artifact_prefix="$FB/crashes/$t-" \
	    "$FB/corpus/$t" "$TOP/regress/fuzz/corpus/$t" > "$LOG" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' \
	    "$LOG" | tail -n 1)
	secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' \
	    "$LOG" | tail -n 1)
	if [ "$rc" -eq 77 ]; then
		echo "$t: skipped: $(tail -n 1 "$LOG")"
	elif [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		[ "${secs:-0}" -gt 0 ] || secs=1
		echo "$t: ok, $runs runs in $secs s ($((runs / secs))/s)," \
		    "corpus $(ls "$FB/corpus/$t" | wc -l) files"
	else
		echo "$t: FAILED (status $rc); its output ends:"
		grep -v '^#[0-9]' "$LOG" | tail -n 60 | sed 's/^/    /'
		failed="$failed $t"
	fi
done

if [ -n "$failed" ]; then
	echo "failed:$failed (inputs in $FB/crashes/)"
	exit 1
fi
exit 0
