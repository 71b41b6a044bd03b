#!/usr/bin/env bash
# tools/local-openstack/install.sh - install the Debian packages of the local OpenStack
# (bookworm = Zed) without letting them start or configure anything.
#
# - The packages' init scripts would start system-wide daemons (there is no systemd here, so
#   invoke-rc.d runs /etc/init.d scripts directly): a policy-rc.d that answers 101 ("action
#   forbidden") is in place for the duration of apt-get, and the previous one is restored.
# - The openstack-pkg-tools postinst scripts would ask (debconf) to configure databases,
#   RabbitMQ and Keystone: every such question is preseeded to "no"; up.sh writes its own
#   configuration into the run directory.
# - Fast path: when every package is installed already, nothing runs.
set -euo pipefail
# shellcheck source=tools/local-openstack/config.sh
source "$(dirname "${BASH_SOURCE[0]}")/config.sh"

missing=()
for pkg in "${JHP_OS_PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)" != installed ]; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "local-openstack: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2

# debconf answers: no database, no RabbitMQ, no Keystone registration by the postinst scripts.
preseed=""
for svc in nova neutron cinder glance placement; do
  preseed+="$svc-common $svc-common/dbconfig-install boolean false
$svc-common $svc/configure_db boolean false
$svc-common $svc/configure_rabbit boolean false
$svc-common $svc/configure_ksat boolean false
"
done
preseed+="neutron-common neutron/configure_nova boolean false
nova-common nova/configure_neutron boolean false
nova-common nova/configure_placement boolean false
"
printf '%s' "$preseed" | debconf-set-selections

policy=/usr/sbin/policy-rc.d
policy_backup=""
restore_policy() {
  if [ -n "$policy_backup" ]; then
    cat "$policy_backup" >"$policy"
    rm -f "$policy_backup"
  elif [ -n "${policy_created:-}" ]; then
    rm -f "$policy"
  fi
}
if [ -e "$policy" ]; then
  # Already forbidding everything (e.g. a container-style image): leave it as it is.
  if ! grep -qx 'exit 101' "$policy"; then
    policy_backup="$(mktemp)"
    cat "$policy" >"$policy_backup"
    printf '#!/bin/sh\n# jupyterhub-platform local-openstack install: start nothing\nexit 101\n' >"$policy"
  fi
else
  policy_created=1
  printf '#!/bin/sh\n# jupyterhub-platform local-openstack install: start nothing\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
fi
trap restore_policy EXIT

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
# An index older than a day may name versions the mirror no longer has.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]; then
  apt-get "${apt_opts[@]}" update -q
fi
apt-get "${apt_opts[@]}" install -y -q --no-install-recommends "${missing[@]}"
