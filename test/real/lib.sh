#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Shared helpers of the real checks: counters, PASS/FAIL lines with timings, bounded commands.
# shellcheck disable=SC2034

PASSED=0
FAILED=0
SKIPPED=0

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

pass() {
    PASSED=$((PASSED + 1))
    echo "PASS $1${2:+ ($2)}"
}

fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL $1${2:+: $2}"
}

skip() {
    SKIPPED=$((SKIPPED + 1))
    echo "SKIP $1${2:+: $2}"
}

# check NAME CMD...: one check; the command's output is kept in $LOGDIR and its tail shown on failure.
check() {
    local name="$1"
    shift
    local start log
    start="$(now)"
    log="$LOGDIR/$(echo "$name" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80).log"
    if "$@" >"$log" 2>&1; then
        pass "$name" "$(since "$start")"
    else
        fail "$name" "$(tail -n 5 "$log" | tr '\n' ' ' | cut -c1-400) [$(since "$start"), log $log]"
    fi
}

# expect_fail NAME PATTERN CMD...: the command must fail and print PATTERN.
expect_fail() {
    local name="$1" pattern="$2"
    shift 2
    local start log
    start="$(now)"
    log="$LOGDIR/$(echo "$name" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80).log"
    if "$@" >"$log" 2>&1; then
        fail "$name" "succeeded but should have failed [log $log]"
    elif grep -q -- "$pattern" "$log"; then
        pass "$name" "$(since "$start")"
    else
        fail "$name" "failed without '$pattern': $(tail -n 3 "$log" | tr '\n' ' ' | cut -c1-300) [log $log]"
    fi
}

summary() {
    echo "total time $(since "$RUN_START")"
    if [ "$SKIPPED" -gt 0 ]; then
        echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    else
        echo "$PASSED passed, $FAILED failed"
    fi
}
