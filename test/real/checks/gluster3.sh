#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Three glusterds as three storage "VMs" (network namespaces on one bridge, private mount
# namespaces), the third one starting late: jhp-gluster-form on node 1 must wait for every peer,
# probe them and create the replica-3 volume. Sourced by run.sh.
# shellcheck disable=SC2154  # RENDER, WORK, LOGDIR and TESTS come from run.sh

gluster3_cleanup() {
    local i
    touch "$WORK/gluster3/done" 2>/dev/null || true
    for i in 1 2 3; do
        ip netns pids "jhp-real-g$i" 2>/dev/null | xargs -r kill 2>/dev/null || true
    done
    for i in 1 2 3; do
        for _ in $(seq 20); do
            [ -z "$(ip netns pids "jhp-real-g$i" 2>/dev/null)" ] && break
            sleep 0.5
        done
        ip netns pids "jhp-real-g$i" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "jhp-real-g$i" 2>/dev/null || true
    done
    ip netns del jhp-real-gbr 2>/dev/null || true
}

run_gluster3() {
    local dir="$WORK/gluster3" i pids=()
    mkdir -p "$dir"
    CLEANUPS+=(gluster3_cleanup)
    ip netns add jhp-real-gbr
    ip -n jhp-real-gbr link add br0 type bridge
    ip -n jhp-real-gbr link set br0 up
    for i in 1 2 3; do
        ip netns add "jhp-real-g$i"
        ip link add "jhpg$i" netns "jhp-real-g$i" type veth peer name "jhpb$i" netns jhp-real-gbr
        ip -n jhp-real-gbr link set "jhpb$i" master br0 up
        ip -n "jhp-real-g$i" addr add "10.254.78.$i/24" dev "jhpg$i"
        ip -n "jhp-real-g$i" link set "jhpg$i" up
    done
    local peers="10.254.78.1 10.254.78.2 10.254.78.3"
    for i in 3 2 1; do
        timeout 420 ip netns exec "jhp-real-g$i" unshare --mount --propagation private \
            bash "$TESTS/checks/gluster-node.sh" "$RENDER" "$dir" "$i" "$peers" "$LOGDIR" >"$LOGDIR/gluster3-node$i.log" 2>&1 &
        pids+=("$!")
    done
    wait "${pids[2]}"
    grep -E '^(PASS|FAIL|SKIP) ' "$LOGDIR/gluster3-node1.log"
    local p f s
    read -r _ p f s < <(grep '^COUNTS ' "$LOGDIR/gluster3-node1.log" || echo "COUNTS 0 1 0")
    PASSED=$((PASSED + p))
    FAILED=$((FAILED + f))
    SKIPPED=$((SKIPPED + s))
    if ! grep -q '^COUNTS ' "$LOGDIR/gluster3-node1.log"; then echo "FAIL gluster (3 peers): node 1 did not finish (log $LOGDIR/gluster3-node1.log)"; fi
    touch "$dir/done"
    wait "${pids[0]}" "${pids[1]}" 2>/dev/null || true
    gluster3_cleanup
}
