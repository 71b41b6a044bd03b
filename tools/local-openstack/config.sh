# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are read by the scripts that source this file
# tools/local-openstack/config.sh - every name, port and path of the local OpenStack, defined
# once. Sourced by install.sh, up.sh, down.sh, smoke.sh and env.sh; each value can be overridden
# from the environment (JHP_OPENSTACK_*), e.g. when a port is taken on a shared machine.

JHP_OS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Run directory: generated configs, logs, pid files, databases, images, volume files, the
# clouds.yaml. Kept between `down` and `up`; `down --purge` deletes it.
JHP_OS_RUN="${JHP_OPENSTACK_RUN:-/tmp/jhp-openstack}"
# Install stamp and the tiny image, keyed by their inputs (survive `down --purge`).
JHP_OS_CACHE="${JHP_OPENSTACK_CACHE:-$HOME/.cache/jupyterhub-platform/local-openstack}"

# Debian's interpreter: the OpenStack packages are installed for it, not for a python3 that
# comes first on PATH (pyenv, venvs).
JHP_OS_PYTHON=/usr/bin/python3

# Every service listens on this address only.
JHP_OS_HOST=127.0.0.1

# Infrastructure ports: not the packages' defaults, so that a MariaDB, RabbitMQ or memcached
# another job runs on this machine does not collide with ours.
JHP_OS_MYSQL_PORT="${JHP_OPENSTACK_MYSQL_PORT:-33306}"
JHP_OS_RABBIT_PORT="${JHP_OPENSTACK_RABBIT_PORT:-35672}"
JHP_OS_RABBIT_DIST_PORT="${JHP_OPENSTACK_RABBIT_DIST_PORT:-35673}"
JHP_OS_EPMD_PORT="${JHP_OPENSTACK_EPMD_PORT:-34369}"
JHP_OS_MEMCACHED_PORT="${JHP_OPENSTACK_MEMCACHED_PORT:-31211}"

# API ports: the OpenStack defaults (clients only learn them from the catalog anyway).
JHP_OS_KEYSTONE_PORT="${JHP_OPENSTACK_KEYSTONE_PORT:-5000}"
JHP_OS_GLANCE_PORT="${JHP_OPENSTACK_GLANCE_PORT:-9292}"
JHP_OS_PLACEMENT_PORT="${JHP_OPENSTACK_PLACEMENT_PORT:-8778}"
JHP_OS_NOVA_PORT="${JHP_OPENSTACK_NOVA_PORT:-8774}"
JHP_OS_NEUTRON_PORT="${JHP_OPENSTACK_NEUTRON_PORT:-9696}"
JHP_OS_CINDER_PORT="${JHP_OPENSTACK_CINDER_PORT:-8776}"

JHP_OS_REGION=RegionOne
# clouds.yaml entries: the test project's member user, and the cloud admin.
JHP_OS_CLOUD="${JHP_OPENSTACK_CLOUD:-jhp-local}"
JHP_OS_ADMIN_CLOUD="${JHP_OS_CLOUD}-admin"
# The project the test stacks run in (a `demo`-style project with a member user, not admin).
JHP_OS_PROJECT=jhp
JHP_OS_USER=jhp

# The nova-compute host (fake driver) and the neutron agents' host: port binding needs both to
# be the same name.
JHP_OS_COMPUTE_HOST=jhp-local-compute

# The external network for routers and floating IPs: a flat provider network on a bridge the
# scripts create, with no physical port (nothing can leave the machine through it). The host
# holds JHP_OS_EXT_HOST_ADDR on that bridge, so the range is routed into the bridge, i.e. to the
# routers' namespaces, and never to the default route; nobody holds the subnet's gateway
# address, so the routers' own traffic ends on the bridge too. 198.51.100.0/24 is TEST-NET-2
# (documentation). Not TEST-NET-3: on this machine 203.0.113.80 is the package registries'
# proxy. up.sh refuses a range that overlaps a route, the resolver or a registry's address.
JHP_OS_EXT_NET="${JHP_OPENSTACK_EXTERNAL_NETWORK:-public}"
JHP_OS_EXT_PHYSNET=public
JHP_OS_EXT_BRIDGE=jhp-os-public
JHP_OS_EXT_CIDR="${JHP_OPENSTACK_EXTERNAL_CIDR:-198.51.100.0/24}"
JHP_OS_EXT_PREFIX="${JHP_OS_EXT_CIDR%.*}"
JHP_OS_EXT_GATEWAY="$JHP_OS_EXT_PREFIX.1"
JHP_OS_EXT_POOL_START="$JHP_OS_EXT_PREFIX.10"
JHP_OS_EXT_POOL_END="$JHP_OS_EXT_PREFIX.250"
JHP_OS_EXT_HOST_ADDR="$JHP_OS_EXT_PREFIX.254"
# Hosts this machine needs (package registries): the external range must not cover them.
JHP_OS_PREFLIGHT_HOSTS="deb.debian.org security.debian.org registry.npmjs.org proxy.golang.org pypi.org files.pythonhosted.org"

# The one Glance image: a tiny empty qcow2 (the fake compute driver never boots anything).
# Not named after a real distribution: it is a stand-in.
JHP_OS_IMAGE="${JHP_OPENSTACK_IMAGE:-jhp-local-tiny}"
JHP_OS_IMAGE_VIRTUAL_SIZE=1G

# Flavors: name:vcpus:ram_mb:disk_gb. The names the stacks' defaults use (config/schema.ts).
JHP_OS_FLAVORS=(
  "m1.small:1:2048:20"
  "m1.medium:2:4096:40"
  "m1.large:4:8192:80"
  "m1.xlarge:8:16384:160"
)
JHP_OS_VOLUME_TYPE=jhp-fake

# Quotas of the test project: a prod-shaped stack (3 storage + up to 5 control planes + workers,
# 40 GB boot volumes, 500 GB bricks) with room for a replacement in flight.
JHP_OS_QUOTA_INSTANCES=40
JHP_OS_QUOTA_CORES=400
JHP_OS_QUOTA_RAM_MB=819200
JHP_OS_QUOTA_VOLUMES=100
JHP_OS_QUOTA_GIGABYTES=20000
JHP_OS_QUOTA_PORTS=200
JHP_OS_QUOTA_FLOATING_IPS=20
JHP_OS_QUOTA_SECGROUPS=50
JHP_OS_QUOTA_SECGROUP_RULES=1000
JHP_OS_QUOTA_NETWORKS=20
JHP_OS_QUOTA_SUBNETS=20
JHP_OS_QUOTA_ROUTERS=10

# Bounded waits (seconds).
JHP_OS_START_TIMEOUT="${JHP_OPENSTACK_START_TIMEOUT:-180}"
JHP_OS_STOP_TIMEOUT=20

# Debian packages (bookworm = OpenStack Zed). Service packages that pull libvirt/qemu
# (nova-compute) or only add init scripts and uwsgi wrappers (glance-api, nova-api, ...) are
# left out: every service runs from its Python package's entry point.
JHP_OS_PACKAGES=(
  mariadb-server-core mariadb-client rabbitmq-server memcached
  uwsgi-core uwsgi-plugin-python3
  python3-keystone glance-common python3-placement nova-common neutron-common cinder-common
  python3-openstackclient python3-pymysql
  qemu-utils dnsmasq-base iproute2 iputils-arping iputils-ping conntrack iptables ebtables sudo gettext-base curl
)

# Layout of the run directory.
JHP_OS_ETC="$JHP_OS_RUN/etc"
JHP_OS_LOG="$JHP_OS_RUN/log"
JHP_OS_PIDS="$JHP_OS_RUN/pids"
JHP_OS_STATE="$JHP_OS_RUN/state"
JHP_OS_DATA="$JHP_OS_RUN/data"
JHP_OS_CLOUDS_YAML="$JHP_OS_RUN/clouds.yaml"
JHP_OS_MYSQL_SOCKET="$JHP_OS_RUN/mysqld.sock"
