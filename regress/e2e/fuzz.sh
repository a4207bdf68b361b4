#!/bin/sh
# SPDX-License-Identifier: ISC
# The libFuzzer targets of regress/fuzz, 3 seconds each from their
# seed corpora: no crash, leak, sanitizer report or broken invariant.
# They are built (make fuzz-progs, into build-fuzz/) when out of date;
# without clang or libFuzzer the test is skipped.  Longer runs:
# "make fuzz" or regress/fuzz/run.sh.
. "$(dirname "$0")/lib.sh"

FB=$TOP/build-fuzz
SECS=3

probe='int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long);
int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ (void)d; (void)n; return 0; }'
if ! command -v clang >/dev/null 2>&1; then
	skip "fuzz: clang not installed"
	exit 0
fi
if ! echo "$probe" | clang -x c -fsanitize=fuzzer -o "$T/probe" - \
    >/dev/null 2>&1; then
	skip "fuzz: libFuzzer not installed (libclang-rt-dev)"
	exit 0
fi
# Two jobs, two cores (a make above us need not have said -j).
if ! MAKEFLAGS= make -s -j2 -C "$TOP" fuzz-progs > "$T/build.log" 2>&1; then
	fail "fuzz: make fuzz-progs"
	sed 's/^/#   /' "$T/build.log" | tail -n 40
	exit 0
fi

# fuzz_config makes its directory under TMPDIR: inside $T.
export TMPDIR=$T
fuzz() {
	mkdir -p "$T/corpus-$1"
	timeout $((SECS + 25)) "$FB/$1" -max_total_time=$SECS -timeout=5 \
	    -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$T/$1-" \
	    "$T/corpus-$1" "$TOP/regress/fuzz/corpus/$1" > "$T/$1.log" 2>&1
	echo $? > "$T/$1.rc"
}
# Two targets at a time, one a core; then each one's result.
n=0
for f in "$TOP"/regress/fuzz/fuzz_*.c; do
	fuzz "$(basename "$f" .c)" &
	n=$((n + 1))
	[ $((n % 2)) -eq 0 ] && wait
done
wait
for f in "$TOP"/regress/fuzz/fuzz_*.c; do
	t=$(basename "$f" .c)
	rc=$(cat "$T/$t.rc")
	runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$T/$t.log" |
	    tail -n 1)
	if [ "$rc" -eq 77 ]; then
		skip "fuzz $t: $(tail -n 1 "$T/$t.log")"
	elif [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		ok "fuzz $t $SECS s, $runs runs"
	else
		fail "fuzz $t $SECS s (status $rc)"
		grep -v '^#[0-9]' "$T/$t.log" | tail -n 40 | sed 's/^/#   /'
		# Keep the input that failed: $T goes away.
		for a in "$T/$t"-*; do
			[ -f "$a" ] || continue
			mkdir -p "$FB/crashes" &&
			    cp "$a" "$FB/crashes/" &&
			    echo "#   kept: $FB/crashes/$(basename "$a")"
		done
	fi
done
exit 0
