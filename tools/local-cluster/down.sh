#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# npm run cluster:down — stop the local cluster (tools/local-cluster/up.sh) and leave the machine
# as it was before: no pod, shim or daemon left running, no mount under the run directory, the
# links jhp-node0/jhp-cni0 gone, the tagged FORWARD rules and the KUBE-*/CNI-* chains gone, the
# recorded sysctls restored, the /kubepods cgroups removed, the run directory removed.
# It then checks each of those and exits 1 if one is not so. Safe when nothing is up.
# JHP_CLUSTER_KEEP_LOGS=1 keeps the daemons' logs (moved to $RUN.logs).
# Every step goes on when the one before found nothing to do or failed: the checks say what is left.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root"
T0="$(now)"

# ── pods, then the node, then the control plane ────────────────────────────────────────────────
# The kubelet first, so it restarts nothing; then every sandbox through the CRI (containerd
# stops the containers and runs the CNI DEL that frees the pod's address and veth).
stop_daemon kubelet 30
if daemon_running containerd; then
    if [ -x "$BIN/crictl" ]; then
        # -f: stop, then remove (CNI DEL happens in the stop).
        crictl_ rmp -fa >/dev/null 2>&1 || true
        crictl_ rm -fa >/dev/null 2>&1 || true
    fi
    # Whatever the CRI did not remove (containers made with ctr, a half-created sandbox).
    for t in $(ctr_ tasks ls -q 2>/dev/null); do
        ctr_ tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
        sleep 0.2
        ctr_ tasks delete -f "$t" >/dev/null 2>&1 || true
    done
    for c in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$c" >/dev/null 2>&1 || true; done
fi
stop_daemon kube-proxy
# kube-proxy removes its own chains (only when none existed before this cluster: another
# kube-proxy's would be taken too).
if [ -x "$BIN/kube-proxy" ] && [ -f "$STATE/chains.before" ] && ! grep -q 'KUBE-' "$STATE/chains.before"; then
    timeout 60 "$BIN/kube-proxy" --cleanup >"$LOGS/kube-proxy-cleanup.log" 2>&1 || true
fi
# The API server's clients and the API server together, then its store.
for d in kube-scheduler kube-controller-manager kube-apiserver; do stop_daemon "$d" & done
wait
stop_daemon etcd
stop_daemon containerd

# Shims outlive containerd by design; ours name our socket. Then any daemon of ours still running
# from the run directory (a lost pid file), and any process still in a pod's cgroup (only our
# kubelet makes /kubepods). A process that merely names the run directory (a `tail -f` of a log)
# is not ours to end.
our_pids() {
    local p exe
    while read -r p; do
        exe="$(readlink "/proc/$p/exe" 2>/dev/null)" || continue
        case "$exe" in "$BIN"/* | /usr/bin/containerd | /usr/bin/containerd-shim*) echo "$p" ;; esac
    done < <(grep -laF -- "$RUN/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3)
    cat /sys/fs/cgroup/pids/kubepods/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/cgroup.procs \
        /sys/fs/cgroup/pids/kubepods/*/*/cgroup.procs /sys/fs/cgroup/pids/kubepods/*/*/*/cgroup.procs 2>/dev/null || true
}
# Leftover processes of the cluster, without this script and its subshells.
leftovers() { our_pids | grep -vx -e "$$" -e "$BASHPID" | sort -u || true; }
for sig in TERM KILL; do
    pids="$(leftovers)"
    [ -n "$pids" ] || break
    log "SIG$sig to leftover processes: $(echo "$pids" | tr '\n' ' ')"
    # shellcheck disable=SC2086 # a list of pids
    kill -s "$sig" $pids 2>/dev/null || true
    sleep 2
done

# ── iptables ───────────────────────────────────────────────────────────────────────────────────
while read -r rule; do
    [ -n "$rule" ] || continue
    eval "iptables ${rule/#-A /-D }" || true
done < <(tagged_rules)
# The KUBE-* and CNI-* chains that were not there before this cluster: first the rules that
# jump to them from other chains, then the chains themselves.
clean_chains() { # iptables|ip6tables
    local ipt="$1" table chains chain rule
    for table in filter nat mangle raw; do
        chains="$("$ipt" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(KUBE|CNI)-/ {print $2}' |
            grep -vxF -f <(sed -n "s/^$ipt $table //p" "$STATE/chains.before" 2>/dev/null; echo '#') || true)"
        [ -n "$chains" ] || continue
        while read -r rule; do
            [ -n "$rule" ] || continue
            chain="$(echo "$rule" | sed -n 's/.* -j \([^ ]*\).*/\1/p')"
            echo "$chains" | grep -qxF -- "$chain" || continue
            echo "$chains" | grep -qxF -- "$(echo "$rule" | awk '{print $2}')" && continue
            eval "$ipt -t $table ${rule/#-A /-D }" || true
        done < <("$ipt" -t "$table" -S 2>/dev/null | grep '^-A ')
        for chain in $chains; do "$ipt" -t "$table" -F "$chain" 2>/dev/null || true; done
        for chain in $chains; do "$ipt" -t "$table" -X "$chain" 2>/dev/null || true; done
    done
}
if [ -f "$STATE/chains.before" ]; then
    clean_chains iptables
    clean_chains ip6tables
fi

# ── mounts, links, cgroups, sysctls, paths ─────────────────────────────────────────────────────
mounts_under_run() { findmnt -rn -o TARGET | grep -qF -- "$RUN/"; }
for _ in 1 2 3; do
    mounts="$(findmnt -rn -o TARGET | grep -F -- "$RUN/" | awk '{print length, $0}' | sort -rn | cut -d' ' -f2- || true)"
    [ -n "$mounts" ] || break
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done <<<"$mounts"
done
for link in $(ip -o link show master "$CNI_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$link" 2>/dev/null || true
done
for link in "$CNI_BRIDGE" "$NODE_IF"; do
    ip link show "$link" >/dev/null 2>&1 && ip link del "$link"
done
for d in /sys/fs/cgroup/*/kubepods; do
    [ -d "$d" ] || continue
    grep -qxF "$d" "$STATE/cgroups.before" 2>/dev/null && continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
done
if [ -f "$STATE/sysctl.before" ]; then
    while IFS=$'\t' read -r key value; do
        [ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] || sysctl -qw "$key=$value" || log "could not restore $key=$value"
    done <"$STATE/sysctl.before"
fi
if [ -f "$STATE/nfacct.before" ]; then
    for name in $(nfacct_names | grep -vxF -f <(cat "$STATE/nfacct.before"; echo '#') || true); do
        nfacct delete "$name" >/dev/null 2>&1 || log "could not delete nfacct object $name"
    done
fi
# kubelet's device-plugin socket directory is a fixed path, whatever its root directory.
if [ -d /var/lib/kubelet ] && [ -f "$STATE/paths.before" ] && ! grep -qxF /var/lib/kubelet "$STATE/paths.before"; then
    rm -rf /var/lib/kubelet
fi
# kubelet links container logs from /var/log/containers (a fixed path) into the run directory.
if [ -d /var/log/containers ]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$RUN/*" -delete
    grep -qxF /var/log/containers "$STATE/paths.before" 2>/dev/null || rmdir /var/log/containers 2>/dev/null || true
fi

# ── the checks, then the run directory ─────────────────────────────────────────────────────────
problems=()
left="$(leftovers | tr '\n' ' ')"
[ -z "$left" ] || problems+=("processes left: $left")
pgrep -f -- "-address $CTRD_SOCK" >/dev/null && problems+=("containerd shims left")
mounts_under_run && problems+=("mounts left under $RUN")
for link in "$CNI_BRIDGE" "$NODE_IF"; do ip link show "$link" >/dev/null 2>&1 && problems+=("link $link left"); done
[ -z "$(tagged_rules)" ] || problems+=("iptables rules tagged $IPT_TAG left")
left="$(iptables-save 2>/dev/null | awk '/^:(KUBE|CNI)-/ {print $1}' | tr -d : | grep -vxF -f <(awk '{print $3}' "$STATE/chains.before" 2>/dev/null; echo '#') | tr '\n' ' ' || true)"
[ -z "$left" ] || problems+=("iptables chains left: $left")
for d in /sys/fs/cgroup/*/kubepods; do
    [ -d "$d" ] && ! grep -qxF "$d" "$STATE/cgroups.before" 2>/dev/null && problems+=("cgroup $d left")
done
if [ -f "$STATE/sysctl.before" ]; then
    while IFS=$'\t' read -r key value; do
        [ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] || problems+=("sysctl $key is $(sysctl -n "$key"), was $value")
    done <"$STATE/sysctl.before"
fi
if [ -f "$STATE/nfacct.before" ]; then
    left="$(nfacct_names | grep -vxF -f <(cat "$STATE/nfacct.before"; echo '#') | tr '\n' ' ' || true)"
    [ -z "$left" ] || problems+=("nfacct objects left: $left")
fi
for d in /var/log/containers /var/log/pods /var/lib/kubelet /var/run/netns; do
    [ -e "$d" ] && ! grep -qxF "$d" "$STATE/paths.before" 2>/dev/null && [ -f "$STATE/paths.before" ] && problems+=("$d was created")
done

if [ -d "$RUN" ]; then
    if [ -n "${JHP_CLUSTER_KEEP_LOGS:-}" ] && [ -d "$LOGS" ]; then
        rm -rf "$RUN.logs" && mv "$LOGS" "$RUN.logs" && log "logs kept in $RUN.logs"
    fi
    if ! mounts_under_run; then
        rm -rf "$RUN"
    else
        problems+=("$RUN kept: mounts remain under it")
    fi
fi

log "down in $(since "$T0"); checked: processes and shims, mounts under $RUN, links $NODE_IF/$CNI_BRIDGE, iptables rules tagged $IPT_TAG and KUBE-*/CNI-* chains, /kubepods cgroups, sysctls (${#SYSCTLS[@]} recorded), nfacct objects, /var/log/containers, /var/log/pods, /var/lib/kubelet, /var/run/netns"
if [ "${#problems[@]}" -gt 0 ]; then
    printf '  NOT CLEAN: %s\n' "${problems[@]}" >&2
    exit 1
fi
log "machine as before"
