#!/bin/sh
# SPDX-License-Identifier: ISC
# Run every test: the cmocka unit tests in BUILD/regress/test_*, then
# the end-to-end scripts in regress/e2e/*.sh.  Ends with the summary
# line "N passed, N failed" (and skipped, when any), exit 1 on failure.
#
#	sh regress/run.sh [build-dir] [test-name ...]

BUILD=${1:-build-regress}
shift 2>/dev/null
ONLY="$*"
TOP=$(cd "$(dirname "$0")/.." && pwd)
export BUILD
# The crypto tests read regress/vectors unless told another directory.
OCKAM_VECTORS=${OCKAM_VECTORS:-$TOP/regress/vectors}
export OCKAM_VECTORS
PASSED=0
FAILED=0
SKIPPED=0
FAILURES=""
LOG=$(mktemp /tmp/ockam-run.XXXXXX)

wanted() {
	[ -z "$ONLY" ] && return 0
	for w in $ONLY; do [ "$w" = "$1" ] && return 0; done
	return 1
}

# A unit test: cmocka prints "[  PASSED  ] N test(s)." and, when any
# failed, "[  FAILED  ] N test(s), listed below:".
for t in "$BUILD"/regress/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	wanted "$name" || continue
	echo "=== $name"
	timeout 120 "$t" > "$LOG" 2>&1
	rc=$?
	cat "$LOG"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$LOG" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$LOG" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Crashed, timed out or a sanitizer stopped it.
		f=1
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	[ "$f" -ne 0 ] && FAILURES="$FAILURES $name"
done

# An end-to-end script prints "ok - ...", "not ok - ..." and
# "skip - ..." lines; a script that dies counts as one failure.
for t in "$TOP"/regress/e2e/*.sh; do
	name=$(basename "$t" .sh)
	[ "$name" = lib ] && continue
	wanted "$name" || continue
	echo "=== $name"
	t0=$(date +%s)
	timeout 300 sh "$t" > "$LOG" 2>&1
	rc=$?
	cat "$LOG"
	echo "# $name took $(( $(date +%s) - t0 )) s"
	p=$(grep -c '^ok - ' "$LOG")
	f=$(grep -c '^not ok - ' "$LOG")
	s=$(grep -c '^skip - ' "$LOG")
	if [ "$rc" -ne 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=$((f + 1))
	fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
	[ "$f" -ne 0 ] && FAILURES="$FAILURES $name"
done
rm -f "$LOG"

echo
[ -n "$FAILURES" ] && echo "failed in:$FAILURES"
if [ "$SKIPPED" -gt 0 ]; then
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
