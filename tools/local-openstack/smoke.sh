#!/usr/bin/env bash
# tools/local-openstack/smoke.sh - exercise the local OpenStack with Debian's openstack CLI the
# way the project's stacks use it, then delete everything it made.
#
#   npm run openstack:up && bash tools/local-openstack/smoke.sh
#
# Checks, each failing the script when OpenStack does not do it: network + subnet with DNS
# servers, router with external gateway (its address answers ping in its namespace) and an
# interface (ports plugged by the agents), security
# group + rule (its description read back), port with a fixed IP, the group and an allowed address pair, floating IP
# associated to the port (and its NAT rule in the router's namespace), key pair, a volume made
# from the Glance image, a server booted from it with user-data (ACTIVE on the fake driver,
# user-data read back through the API), a second volume attached (in-use) and detached, and
# finally that nothing it created is left. Every call and wait is bounded; a trap cleans up on
# failure. No packet is sent to any address of the fake servers (only the router's gateway, in
# a namespace on this host, is pinged).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/local-openstack/lib.sh
source "$here/lib.sh"
# shellcheck source=tools/local-openstack/env.sh
source "$here/env.sh"

[ -r "$OS_CLIENT_CONFIG_FILE" ] || jhp_os_die "no clouds.yaml: run npm run openstack:up first"
p="jhp-smoke-$$"
work=$(mktemp -d)
started=$SECONDS
CALL_TIMEOUT=180
WAIT_TIMEOUT=300

os() { timeout "$CALL_TIMEOUT" openstack "$@"; }
os_admin() { OS_CLOUD="$JHP_OS_ADMIN_CLOUD" os "$@"; }
fail() { jhp_os_die "smoke: $*"; }
ok() { jhp_os_log "smoke ok: $*"; }
# wait_for WHAT EXPECTED CMD... - until CMD prints EXPECTED (bounded); `error` ends it early.
wait_for() {
  local what=$1 want=$2 deadline=$((SECONDS + WAIT_TIMEOUT)) got=""
  shift 2
  while [ "$SECONDS" -lt "$deadline" ]; do
    got=$("$@" 2>/dev/null || true)
    [ "$got" = "$want" ] && return 0
    case "$got" in error | ERROR) fail "$what is $got" ;; esac
    sleep 2
  done
  fail "$what is '$got' after ${WAIT_TIMEOUT}s, wanted '$want'"
}

quiet() { "$@" >/dev/null 2>&1; }
# Deletes whatever of this run exists, in dependency order; errors are expected (not made yet).
delete_all() {
  jhp_os_log "smoke: deleting $p-*"
  [ -n "${server_id:-}" ] && quiet os server delete --wait "$server_id"
  quiet os volume delete "$p-data" "$p-boot"
  [ -n "${fip:-}" ] && quiet os floating ip delete "$fip"
  quiet os port delete "$p-port"
  # Deleting a router drops its gateway; its interfaces must go first.
  quiet os router remove subnet "$p-router" "$p-subnet"
  quiet os router delete "$p-router"
  quiet os security group delete "$p-sg"
  quiet os subnet delete "$p-subnet"
  quiet os network delete "$p-net"
  quiet os keypair delete "$p-key"
  # Volumes go away asynchronously.
  local deadline=$((SECONDS + WAIT_TIMEOUT))
  while os volume list -f value -c Name 2>/dev/null | grep -q "^$p-" && [ "$SECONDS" -lt "$deadline" ]; do sleep 2; done
  rm -rf "$work"
  return 0
}
on_exit() {
  local rc=$?
  set +e
  delete_all
  exit "$rc"
}
trap on_exit EXIT

# ---- network, subnet (DNS servers), router (external gateway + interface)
os network create "$p-net" -f value -c id >/dev/null
os subnet create "$p-subnet" --network "$p-net" --subnet-range 10.99.0.0/24 \
  --dns-nameserver 192.0.2.53 --dns-nameserver 192.0.2.54 >/dev/null
dns=$(os subnet show "$p-subnet" -f json -c dns_nameservers | tr -d ' \n')
[[ "$dns" == *192.0.2.53*192.0.2.54* ]] || fail "subnet DNS servers: $dns"
ok "network and subnet with DNS servers"

ext_id=$(os network show "$JHP_OPENSTACK_EXTERNAL_NETWORK" -f value -c id)
router_id=$(os router create "$p-router" -f value -c id)
os router set "$p-router" --external-gateway "$JHP_OPENSTACK_EXTERNAL_NETWORK"
os router add subnet "$p-router" "$p-subnet"
gw=$(os router show "$p-router" -f json -c external_gateway_info)
[[ "$gw" == *"$ext_id"* ]] || fail "router gateway: $gw"
wait_for "router interface port" ACTIVE \
  os port list --router "$p-router" --device-owner network:router_interface -f value -c Status
# The router's gateway address answers from its namespace, through the Linux bridge agent's
# plumbing, over the external bridge this host holds an address on (a host the scripts made,
# not a fake server).
gw_ip=$(printf '%s' "$gw" | "$JHP_OS_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["external_gateway_info"]["external_fixed_ips"][0]["ip_address"])')
deadline=$((SECONDS + 60))
until ping -c 1 -W 2 "$gw_ip" >/dev/null 2>&1; do
  [ "$SECONDS" -lt "$deadline" ] || fail "router gateway $gw_ip does not answer ping"
  sleep 2
done
ok "router with gateway $gw_ip on $JHP_OPENSTACK_EXTERNAL_NETWORK (answers ping from qrouter-$router_id); interface port ACTIVE"

# ---- security group + rule, port with fixed IP, group and allowed address pair
os security group create "$p-sg" >/dev/null
rule_id=$(os security group rule create "$p-sg" --ingress --protocol tcp --dst-port 22 --remote-ip 192.0.2.0/24 \
  --description "$p ssh" -f value -c id)
rules=$(os security group rule list "$p-sg" --protocol tcp -f value -c "IP Range" -c "Port Range")
[[ "$rules" == *"192.0.2.0/24 22:22"* ]] || fail "security group rule: $rules"
# The stacks name every rule; a description that does not read back makes them replace every rule.
desc=$(os security group rule show "$rule_id" -f value -c description)
[ "$desc" = "$p ssh" ] || fail "security group rule description reads back as '$desc'"
os port create "$p-port" --network "$p-net" --fixed-ip subnet="$p-subnet",ip-address=10.99.0.20 \
  --security-group "$p-sg" --allowed-address ip-address=10.244.0.0/16 >/dev/null
port_json=$(os port show "$p-port" -f json)
for want in 10.99.0.20 10.244.0.0/16 "$(os security group show "$p-sg" -f value -c id)"; do
  [[ "$port_json" == *"$want"* ]] || fail "port lacks $want"
done
ok "port with fixed IP, security group and allowed address pair"

# ---- floating IP associated to the port
fip=$(os floating ip create "$JHP_OPENSTACK_EXTERNAL_NETWORK" --port "$p-port" -f value -c floating_ip_address)
[ "$(os floating ip show "$fip" -f value -c fixed_ip_address)" = 10.99.0.20 ] || fail "floating IP not on the port"
wait_for "floating IP $fip" ACTIVE os floating ip show "$fip" -f value -c status
ip netns exec "qrouter-$router_id" iptables-save -t nat | grep -q -- "-d $fip/32 -j DNAT --to-destination 10.99.0.20" ||
  fail "no DNAT rule for $fip in qrouter-$router_id"
ok "floating IP $fip associated (DNAT in the router's namespace)"

# ---- key pair, boot volume from the image, server with user-data
ssh-keygen -q -t ed25519 -N '' -C "$p" -f "$work/key"
os keypair create --public-key "$work/key.pub" "$p-key" >/dev/null
os volume create "$p-boot" --image "$JHP_OPENSTACK_IMAGE" --size 40 --bootable >/dev/null
wait_for "boot volume" available os volume show "$p-boot" -f value -c status
ok "key pair; 40 GB volume made from image $JHP_OPENSTACK_IMAGE"

printf '#cloud-config\nfinal_message: %s\n' "$p" >"$work/user-data"
flavor=${JHP_OPENSTACK_FLAVORS%%:*}
server_id=$(os server create "$p-vm" --flavor "$flavor" --volume "$p-boot" --port "$p-port" \
  --key-name "$p-key" --user-data "$work/user-data" -f value -c id)
wait_for "server $p-vm" ACTIVE os server show "$server_id" -f value -c status
[ "$(os volume show "$p-boot" -f value -c status)" = in-use ] || fail "boot volume not in-use"
# The user-data attribute needs compute API microversion 2.3 and, by default policy, an admin.
got=$(os_admin --os-compute-api-version 2.3 server show "$server_id" -f value -c OS-EXT-SRV-ATTR:user_data | base64 -d)
[ "$got" = "$(cat "$work/user-data")" ] || fail "user-data read back differs: $got"
ok "server $p-vm ACTIVE, booted from the volume, user-data read back"

# ---- second volume: attach (in-use), detach (available)
os volume create "$p-data" --size 1 >/dev/null
wait_for "data volume" available os volume show "$p-data" -f value -c status
os server add volume "$server_id" "$p-data" >/dev/null
wait_for "data volume" in-use os volume show "$p-data" -f value -c status
[[ "$(os volume show "$p-data" -f json -c attachments)" == *"$server_id"* ]] || fail "attachment names another server"
os server remove volume "$server_id" "$p-data"
wait_for "data volume after detach" available os volume show "$p-data" -f value -c status
ok "volume attached (in-use) and detached (available)"

# ---- delete everything, then check nothing is left
trap - EXIT
delete_all
left=""
left+=$(os server list -f value -c Name | grep "^$p-" || true)
left+=$(os volume list -f value -c Name | grep "^$p-" || true)
left+=$(os port list -f value -c Name | grep "^$p-" || true)
left+=$(os network list -f value -c Name | grep "^$p-" || true)
left+=$(os router list -f value -c Name | grep "^$p-" || true)
left+=$(os security group list -f value -c Name | grep "^$p-" || true)
left+=$(os keypair list -f value -c Name | grep "^$p-" || true)
left+=$(os floating ip list -f value -c "Floating IP Address" | grep -x "$fip" || true)
[ -z "$left" ] || fail "left behind: $left"
if ip netns list | grep -q "qrouter-$router_id"; then fail "router namespace qrouter-$router_id left behind"; fi
ok "everything deleted ($((SECONDS - started))s in all)"
