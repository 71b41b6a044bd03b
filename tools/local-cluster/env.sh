# shellcheck shell=bash
# shellcheck source-path=SCRIPTDIR
# Source this to use the local cluster from a shell:  . tools/local-cluster/env.sh
# Sets KUBECONFIG (cluster-admin), JHP_CLUSTER_NODE_IP (NodePort/externalIPs Services answer
# there), CONTAINERD_ADDRESS/CONTAINERD_NAMESPACE (ctr), CONTAINER_RUNTIME_ENDPOINT (crictl),
# JHP_CLUSTER_BIN, JHP_CLUSTER_LOCK (the flock every user of the cluster holds), and puts the bin directory (kubectl, crictl) first on PATH.
# The values come from lib.sh, read in a subshell so nothing else leaks into this shell.
eval "$(
    # shellcheck source=lib.sh
    . "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 1
    printf 'export KUBECONFIG=%q JHP_CLUSTER_NODE_IP=%q JHP_CLUSTER_RUN=%q JHP_CLUSTER_BIN=%q JHP_CLUSTER_LOCK=%q\n' \
        "$ADMIN_KUBECONFIG" "$NODE_IP" "$RUN" "$BIN" "$CLUSTER_LOCK"
    printf 'export CONTAINERD_ADDRESS=%q CONTAINERD_NAMESPACE=%q\n' "$CTRD_SOCK" "$CTRD_NS"
    printf 'export CONTAINER_RUNTIME_ENDPOINT=%q IMAGE_SERVICE_ENDPOINT=%q\n' "unix://$CTRD_SOCK" "unix://$CTRD_SOCK"
)"
case ":$PATH:" in
    *":$JHP_CLUSTER_BIN:"*) ;;
    *) export PATH="$JHP_CLUSTER_BIN:$PATH" ;;
esac
