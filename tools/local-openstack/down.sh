#!/usr/bin/env bash
# tools/local-openstack/down.sh - stop the local OpenStack and undo what up.sh did to the host.
#
#   npm run openstack:down              # stop; keep databases, images and volumes
#   npm run openstack:down -- --purge   # stop and delete the run directory (a fresh cloud next)
#
# Stops every service (APIs and agents first, then RabbitMQ, memcached and MariaDB, which flush
# on a clean stop), then whatever they left detached (dnsmasq, privsep helpers), then removes
# the network namespaces and links Neutron created (those absent from up.sh's baseline) and the
# external bridge (with the host's address on it). The next `up` rebuilds the namespaces from
# the database. Safe to run when nothing is up.
set -euo pipefail
# shellcheck source=tools/local-openstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=""
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    *) jhp_os_die "unknown argument: $arg (usage: down.sh [--purge])" ;;
  esac
done
[ "$(id -u)" = 0 ] || jhp_os_die "must run as root"
jhp_os_lock

# Consumers before what they consume: the OpenStack services together (each waits for its own
# workers), then RabbitMQ, memcached and MariaDB.
stop_all() {
  local name pids=()
  for name in "$@"; do
    if jhp_os_running "$name"; then
      jhp_os_log "stopping $name"
      jhp_os_stop "$name" &
      pids+=("$!")
    else
      jhp_os_stop "$name"
    fi
  done
  for name in "${pids[@]}"; do wait "$name" || true; done
}
# The namespaces and bridges Neutron made are named after its networks and routers: read their
# names while the database still answers.
if jhp_os_running mariadb; then
  jhp_os_neutron_devices >"$JHP_OS_STATE/neutron-devices" 2>/dev/null || true
fi

stop_all cinder-volume cinder-scheduler cinder-api \
  neutron-l3-agent neutron-dhcp-agent neutron-linuxbridge-agent neutron-server \
  nova-compute nova-scheduler nova-conductor nova-api glance-api placement keystone
stop_all rabbitmq memcached mariadb
stop_all epmd

strays=$(jhp_os_stray_pids)
if [ -n "$strays" ]; then
  jhp_os_log "stopping $(echo "$strays" | wc -l) detached process(es): $(echo "$strays" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -TERM $strays 2>/dev/null || true
  for _ in $(seq 1 50); do
    strays=$(jhp_os_stray_pids)
    [ -z "$strays" ] && break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  [ -z "$strays" ] || kill -KILL $strays 2>/dev/null || true
fi

# ---------------------------------------------------------------- host network
# Each qdhcp-/qrouter- namespace holds one end of the veth pairs of its ports: deleting it
# deletes their tap ends in this namespace too. What is left is the per-network bridges (brq…).
# Names come from Neutron's database; a namespace or bridge with Neutron's prefixes that is
# neither there nor in up.sh's baseline (made after the last read of the database) goes too.
in_file() { [ -f "$2" ] && grep -qxF "$1" "$2"; }
delete_netns() {
  local ns=$1 p
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  ip netns delete "$ns" 2>/dev/null || true
}
ours() { # ours NAME BASELINE_FILE - Neutron's (database) or made since up.sh's baseline
  in_file "$1" "$JHP_OS_STATE/neutron-devices" && return 0
  [ -f "$2" ] && ! in_file "$1" "$2"
}
for ns in $(ip netns list | awk '{ print $1 }'); do
  case "$ns" in qrouter-* | qdhcp-*) ;; *) continue ;; esac
  if ours "$ns" "$JHP_OS_STATE/net-baseline-netns"; then delete_netns "$ns"; fi
done
for link in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
  case "$link" in brq*) ;; *) continue ;; esac
  if ours "$link" "$JHP_OS_STATE/net-baseline-links"; then ip link delete "$link" 2>/dev/null || true; fi
done
if [ -f "$JHP_OS_STATE/net-created" ]; then
  # Newest first.
  tac "$JHP_OS_STATE/net-created" | while read -r kind what; do
    case "$kind" in
      # Written by earlier versions of up.sh.
      route) ip route del unreachable "$what" 2>/dev/null || true ;;
      link) ip link delete "$what" 2>/dev/null || true ;;
    esac
  done
fi
rm -f "$JHP_OS_STATE/net-created" "$JHP_OS_STATE/net-baseline-links" "$JHP_OS_STATE/net-baseline-netns" \
  "$JHP_OS_STATE/neutron-devices"

if [ -n "$purge" ]; then
  jhp_os_log "purging $JHP_OS_RUN"
  rm -rf "$JHP_OS_RUN"
fi
jhp_os_log "down"
