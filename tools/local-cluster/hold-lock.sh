# shellcheck shell=bash
# The local cluster's lock, for scripts that bring it up, use it or take it down for a while:
# only one cluster can run on a machine, so each of them holds this lock (flock) for its whole run.
#
#   . tools/local-cluster/hold-lock.sh
#   jhp_hold_cluster_lock NAME WAIT_SECONDS bash "$0" "$@"
#
# When the caller does not hold the lock yet (JHP_CLUSTER_LOCK_HELD unset), runs the command under
# it and exits with its status; a lock not obtained within WAIT_SECONDS is a FAIL line and exit 75.
# When it is held already (a script run by one that holds it), returns and the caller goes on.

CLUSTER_LOCK="${JHP_CLUSTER_LOCK:-/tmp/jhp-cluster.lock}"

jhp_hold_cluster_lock() {
    local name=$1 wait=$2 rc=0
    shift 2
    if [ -n "${JHP_CLUSTER_LOCK_HELD:-}" ]; then
        return 0
    fi
    echo "${name}: waiting for the cluster lock ${CLUSTER_LOCK} (at most ${wait} s)"
    JHP_CLUSTER_LOCK_HELD=1 flock -w "$wait" -E 75 "$CLUSTER_LOCK" "$@" || rc=$?
    if [ "$rc" -eq 75 ]; then
        echo "FAIL ${name}: could not take the cluster lock ${CLUSTER_LOCK} within ${wait} s"
        echo "0 passed, 1 failed"
    fi
    exit "$rc"
}
