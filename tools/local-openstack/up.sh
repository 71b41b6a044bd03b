#!/usr/bin/env bash
# tools/local-openstack/up.sh - start a small, real OpenStack (Debian bookworm's Zed) on this
# machine: MariaDB, RabbitMQ, memcached, Keystone, Glance, Placement, Nova (fake compute
# driver), Neutron (ML2 + Linux bridge, DHCP and L3 agents in network namespaces) and Cinder
# (fake driver, file-backed volumes). Every process is a child of this script's making, in its
# own session, listening on 127.0.0.1 only, with its log and pid file in the run directory.
#
#   npm run openstack:up            # or: bash tools/local-openstack/up.sh
#   source tools/local-openstack/env.sh && openstack server list
#
# Running it again while the cloud is up only checks health. The first run installs the
# packages and creates the databases; later runs skip every schema sync whose package version
# is unchanged, and every bootstrap whose inputs are unchanged.
set -euo pipefail
# shellcheck source=tools/local-openstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || jhp_os_die "must run as root (network namespaces, bridges)"
start_seconds=$SECONDS

jhp_os_lock

bash "$JHP_OS_DIR/install.sh"

# A port taken by someone else would make a health wait talk to the wrong server.
for pair in mariadb:"$JHP_OS_MYSQL_PORT" memcached:"$JHP_OS_MEMCACHED_PORT" epmd:"$JHP_OS_EPMD_PORT" \
  rabbitmq:"$JHP_OS_RABBIT_PORT" rabbitmq:"$JHP_OS_RABBIT_DIST_PORT" keystone:"$JHP_OS_KEYSTONE_PORT" \
  placement:"$JHP_OS_PLACEMENT_PORT" glance-api:"$JHP_OS_GLANCE_PORT" nova-api:"$JHP_OS_NOVA_PORT" \
  neutron-server:"$JHP_OS_NEUTRON_PORT" cinder-api:"$JHP_OS_CINDER_PORT"; do
  if ! jhp_os_running "${pair%%:*}" && [ -n "$(ss -Hltn "sport = :${pair##*:}")" ]; then
    jhp_os_die "port ${pair##*:} (${pair%%:*}) is taken by another process; see tools/local-openstack/config.sh for the JHP_OPENSTACK_*_PORT overrides"
  fi
done

pkg_version() { dpkg-query -W -f='${Version}' "$1"; }
inputs_hash() { cat "$JHP_OS_DIR/config.sh" "$JHP_OS_DIR/python/jhp_local_openstack/bootstrap.py" | sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- baseline
# A fresh run directory (first start, or after `down --purge`) costs minutes of schema
# migrations and bootstrap. The first such start saves the result - a dump of the databases,
# the secrets, Keystone's keys, the image file and the stamps - to the cache, keyed by the
# package versions, the inputs of the bootstrap and the run directory (Glance records the
# image's path); later fresh starts restore it instead.
baseline_key() {
  {
    printf '%s\n' "$JHP_OS_RUN"
    for p in mariadb-server-core python3-keystone python3-glance python3-placement python3-nova python3-neutron python3-cinder; do
      pkg_version "$p"
      echo
    done
    inputs_hash
  } | sha256sum | cut -c1-16
}
baseline="$JHP_OS_CACHE/baseline-$(baseline_key).tar.gz"
fresh="" restored=""
if [ ! -e "$JHP_OS_STATE/secrets.env" ] && [ ! -d "$JHP_OS_DATA/mysql" ]; then
  fresh=1
fi
mkdir -p "$JHP_OS_RUN" "$JHP_OS_ETC" "$JHP_OS_LOG" "$JHP_OS_PIDS" "$JHP_OS_STATE" "$JHP_OS_DATA" "$JHP_OS_CACHE"
chmod 0700 "$JHP_OS_RUN"
if [ -n "$fresh" ] && [ -s "$baseline" ]; then
  jhp_os_log "fresh run directory: restoring the baseline $baseline"
  tar -C "$JHP_OS_RUN" -xzf "$baseline"
  restored=1
fi
jhp_os_load_secrets
jhp_os_export_derived
# The project's Python pieces: the compute driver, the volume driver, bootstrap.py. No
# __pycache__ in the checkout.
export PYTHONPATH="$JHP_OS_DIR/python${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1

# Everything the templates and bootstrap.py read. Arrays cannot be exported: flavors travel as
# one space-separated string.
export JHP_OS_FLAVOR_SPECS="${JHP_OS_FLAVORS[*]}"
export JHP_OS_IMAGE_FILE="$JHP_OS_CACHE/$JHP_OS_IMAGE.qcow2"
for v in $(compgen -v JHP_OS_); do
  case "$v" in JHP_OS_FLAVORS | JHP_OS_PACKAGES) ;; *) export "${v?}" ;; esac
done

# ---------------------------------------------------------------- configuration
# Rendered on every run (cheap), only JHP_OS_* variables are substituted.
subst_vars="$(compgen -v JHP_OS_ | sed 's/^/$/' | tr '\n' ' ')"
render() { # render TEMPLATE DEST
  mkdir -p "$(dirname "$2")"
  envsubst "$subst_vars" <"$JHP_OS_DIR/etc/$1" >"$2.tmp"
  chmod 0600 "$2.tmp"
  mv "$2.tmp" "$2"
}
render keystone.conf "$JHP_OS_ETC/keystone/keystone.conf"
render glance-api.conf "$JHP_OS_ETC/glance/glance-api.conf"
render placement.conf "$JHP_OS_ETC/placement/placement.conf"
render nova.conf "$JHP_OS_ETC/nova/nova.conf"
# nova-compute gets no database credentials (it reaches the database through the conductor);
# with them it tries the database itself and logs "No DB access allowed in nova-compute".
grep -v '^connection = ' "$JHP_OS_ETC/nova/nova.conf" >"$JHP_OS_ETC/nova/nova-compute.conf"
chmod 0600 "$JHP_OS_ETC/nova/nova-compute.conf"
render neutron.conf "$JHP_OS_ETC/neutron/neutron.conf"
render ml2_conf.ini "$JHP_OS_ETC/neutron/ml2_conf.ini"
render linuxbridge_agent.ini "$JHP_OS_ETC/neutron/linuxbridge_agent.ini"
render dhcp_agent.ini "$JHP_OS_ETC/neutron/dhcp_agent.ini"
render l3_agent.ini "$JHP_OS_ETC/neutron/l3_agent.ini"
render cinder.conf "$JHP_OS_ETC/cinder/cinder.conf"
render rabbitmq.conf "$JHP_OS_ETC/rabbitmq/rabbitmq.conf"
printf '[].\n' >"$JHP_OS_ETC/rabbitmq/enabled_plugins"
mkdir -p "$JHP_OS_DATA"/{glance/images,glance/staging,glance/tasks,glance/lock,nova/instances,nova/lock,neutron/lock,cinder/lock,cinder/conversion,keystone,rabbitmq}

# The tiny image (an empty qcow2: the fake driver boots nothing), cached across purges.
if [ ! -s "$JHP_OS_IMAGE_FILE" ]; then
  qemu-img create -q -f qcow2 "$JHP_OS_IMAGE_FILE.tmp" "$JHP_OS_IMAGE_VIRTUAL_SIZE"
  mv "$JHP_OS_IMAGE_FILE.tmp" "$JHP_OS_IMAGE_FILE"
fi

# ---------------------------------------------------------------- host network
# Recorded in $JHP_OS_STATE and undone by down.sh: the external bridge with the host's address
# on it, and a baseline of the links and namespaces that existed before, so that down.sh removes
# only what Neutron created.
net_up() {
  if [ ! -f "$JHP_OS_STATE/net-baseline-links" ]; then
    ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' >"$JHP_OS_STATE/net-baseline-links"
    ip netns list | awk '{ print $1 }' >"$JHP_OS_STATE/net-baseline-netns"
  fi
  if ! ip link show "$JHP_OS_EXT_BRIDGE" >/dev/null 2>&1; then
    # The range becomes a connected route of this host: it must not capture anything the
    # machine talks to.
    # shellcheck disable=SC2086
    "$JHP_OS_PYTHON" -m jhp_local_openstack.netcheck "$JHP_OS_EXT_CIDR" $JHP_OS_PREFLIGHT_HOSTS ||
      jhp_os_die "external range $JHP_OS_EXT_CIDR is in use on this machine; set JHP_OPENSTACK_EXTERNAL_CIDR"
    ip link add "$JHP_OS_EXT_BRIDGE" type bridge
    echo "link $JHP_OS_EXT_BRIDGE" >>"$JHP_OS_STATE/net-created"
    ip addr add "$JHP_OS_EXT_HOST_ADDR/${JHP_OS_EXT_CIDR#*/}" dev "$JHP_OS_EXT_BRIDGE"
  fi
  ip link set "$JHP_OS_EXT_BRIDGE" up
}
net_up

# ---------------------------------------------------------------- helpers
py() { # py NAME MODULE:FUNCTION ARGS... - a service from its Python entry point
  local prog=$1 entry=$2
  shift 2
  jhp_os_start "$prog" "$JHP_OS_PYTHON" -c \
    "import sys; from ${entry%%:*} import ${entry##*:} as main; sys.argv[0] = '$prog'; sys.exit(main())" "$@"
}
# stamped KEY VALUE CMD... - run CMD unless the stamp KEY already holds VALUE; then record it.
stamped() {
  local key=$1 value=$2 f="$JHP_OS_STATE/stamp-$1"
  shift 2
  if [ -f "$f" ] && [ "$(<"$f")" = "$value" ]; then
    return 0
  fi
  jhp_os_log "$key: running (first start or new version)"
  "$@"
  printf '%s' "$value" >"$f"
}
openstack_dbs=(keystone glance placement nova_api nova nova_cell0 neutron cinder)

# ---------------------------------------------------------------- infrastructure
if [ ! -d "$JHP_OS_DATA/mysql/mysql" ]; then
  jhp_os_log "initialising the MariaDB data directory"
  rm -rf "$JHP_OS_DATA/mysql"
  mariadb-install-db --no-defaults --datadir="$JHP_OS_DATA/mysql" --user=root --skip-test-db \
    >"$JHP_OS_LOG/mariadb-install-db.log" 2>&1 || {
    jhp_os_tail_log mariadb-install-db
    jhp_os_die "mariadb-install-db failed"
  }
fi
# Durability traded for speed (a throw-away test cloud); a clean stop still flushes everything.
jhp_os_start mariadb mariadbd --no-defaults --datadir="$JHP_OS_DATA/mysql" --user=root \
  --socket="$JHP_OS_MYSQL_SOCKET" --bind-address="$JHP_OS_HOST" --port="$JHP_OS_MYSQL_PORT" \
  --pid-file="$JHP_OS_DATA/mysql/mariadbd.pid" --skip-name-resolve --skip-log-bin \
  --performance-schema=OFF --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 \
  --max-connections=1000 --character-set-server=utf8 --collation-server=utf8_general_ci

jhp_os_start memcached memcached -u root -l "$JHP_OS_HOST" -p "$JHP_OS_MEMCACHED_PORT" -U 0 -m 64 -t 1

# RabbitMQ: its own epmd on a private port (Erlang would otherwise start a detached, global
# one), one scheduler thread, state in the run directory.
export ERL_EPMD_PORT="$JHP_OS_EPMD_PORT" ERL_EPMD_ADDRESS="$JHP_OS_HOST"
rabbit_env=(
  HOME="$JHP_OS_DATA/rabbitmq"
  RABBITMQ_NODENAME="jhp-openstack@localhost"
  RABBITMQ_NODE_IP_ADDRESS="$JHP_OS_HOST"
  RABBITMQ_NODE_PORT="$JHP_OS_RABBIT_PORT"
  RABBITMQ_DIST_PORT="$JHP_OS_RABBIT_DIST_PORT"
  RABBITMQ_CONFIG_FILE="$JHP_OS_ETC/rabbitmq/rabbitmq.conf"
  RABBITMQ_ENABLED_PLUGINS_FILE="$JHP_OS_ETC/rabbitmq/enabled_plugins"
  RABBITMQ_CONF_ENV_FILE="$JHP_OS_ETC/rabbitmq/rabbitmq-env.conf"
  RABBITMQ_MNESIA_BASE="$JHP_OS_DATA/rabbitmq/mnesia"
  RABBITMQ_LOG_BASE="$JHP_OS_LOG/rabbitmq"
  RABBITMQ_PID_FILE="$JHP_OS_DATA/rabbitmq/rabbitmq.pid"
  RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+S 1:1 +A 4"
)
: >"$JHP_OS_ETC/rabbitmq/rabbitmq-env.conf"
jhp_os_start epmd epmd -port "$JHP_OS_EPMD_PORT" -address "$JHP_OS_HOST"
jhp_os_wait_tcp epmd "$JHP_OS_EPMD_PORT"
jhp_os_start rabbitmq env "${rabbit_env[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server

jhp_os_wait_tcp mariadb "$JHP_OS_MYSQL_PORT"
# Databases and the one database user (idempotent, one client call).
{
  for db in "${openstack_dbs[@]}"; do
    printf 'CREATE DATABASE IF NOT EXISTS %s;\n' "$db"
  done
  printf "CREATE USER IF NOT EXISTS 'jhp'@'%s' IDENTIFIED BY '%s';\n" "$JHP_OS_HOST" "$JHP_OS_PW_DB"
  for db in "${openstack_dbs[@]}"; do
    printf "GRANT ALL PRIVILEGES ON %s.* TO 'jhp'@'%s';\n" "$db" "$JHP_OS_HOST"
  done
} | jhp_os_mysql
if [ -s "$JHP_OS_STATE/baseline.sql.gz" ]; then
  # Restored from the cache above: the schemas and the bootstrap's records.
  gunzip -c "$JHP_OS_STATE/baseline.sql.gz" | jhp_os_mysql
  rm -f "$JHP_OS_STATE/baseline.sql.gz"
  jhp_os_log "baseline databases restored"
fi

jhp_os_wait_tcp memcached "$JHP_OS_MEMCACHED_PORT"

# neutron-server is the longest start (its agents wait for it) and needs neither Keystone nor
# anything else at start: with its schema current, start it now.
if [ "$(cat "$JHP_OS_STATE/stamp-neutron-db" 2>/dev/null)" = "$(pkg_version python3-neutron)" ]; then
  py neutron-server jhp_local_openstack.neutron_server:main \
    --config-file "$JHP_OS_ETC/neutron/neutron.conf" --config-file "$JHP_OS_ETC/neutron/ml2_conf.ini"
fi

# ---------------------------------------------------------------- schemas
# Every service's schema syncs in the background (each only when its package version changed)
# while Keystone's syncs, bootstraps and starts in the foreground.
nova_conf="$JHP_OS_ETC/nova/nova.conf"
neutron_confs=(--config-file "$JHP_OS_ETC/neutron/neutron.conf" --config-file "$JHP_OS_ETC/neutron/ml2_conf.ini")
cinder_conf="$JHP_OS_ETC/cinder/cinder.conf"
nova_cells() {
  nova-manage --config-file "$nova_conf" api_db sync
  if ! nova-manage --config-file "$nova_conf" cell_v2 list_cells | grep -q ' cell0 '; then
    nova-manage --config-file "$nova_conf" cell_v2 map_cell0 --database_connection "$JHP_OS_DB/nova_cell0?charset=utf8"
  fi
  if ! nova-manage --config-file "$nova_conf" cell_v2 list_cells | grep -q ' cell1 '; then
    nova-manage --config-file "$nova_conf" cell_v2 create_cell --name cell1
  fi
  nova-manage --config-file "$nova_conf" db sync
}
sync_jobs=()
sync_bg() { # sync_bg NAME STAMP_VALUE CMD...
  local name=$1
  shift
  (stamped "$name-db" "$@" >>"$JHP_OS_LOG/dbsync-$name.log" 2>&1) &
  sync_jobs+=("$name:$!")
}
sync_bg glance "$(pkg_version python3-glance)" glance-manage --config-file "$JHP_OS_ETC/glance/glance-api.conf" db_sync
sync_bg placement "$(pkg_version python3-placement)" placement-manage --config-file "$JHP_OS_ETC/placement/placement.conf" db sync
sync_bg nova "$(pkg_version python3-nova)" nova_cells
sync_bg neutron "$(pkg_version python3-neutron)" neutron-db-manage "${neutron_confs[@]}" upgrade heads
sync_bg cinder "$(pkg_version python3-cinder)" cinder-manage --config-file "$cinder_conf" db sync
# ---------------------------------------------------------------- keystone
keystone_conf="$JHP_OS_ETC/keystone/keystone.conf"
keystone_manage() { keystone-manage --config-file "$keystone_conf" "$@" >>"$JHP_OS_LOG/keystone-manage.log" 2>&1; }
stamped keystone-db "$(pkg_version python3-keystone)" keystone_manage db_sync
for repo in fernet credential; do
  keys="$JHP_OS_DATA/keystone/$repo-keys"
  if [ ! -s "$keys/0" ]; then
    mkdir -p "$keys" && chmod 0700 "$keys"
    keystone_manage "${repo}_setup" --keystone-user root --keystone-group root
  fi
done
keystone_url="http://$JHP_OS_HOST:$JHP_OS_KEYSTONE_PORT/v3/"
stamped keystone-bootstrap "$keystone_url $JHP_OS_REGION" keystone_manage bootstrap \
  --bootstrap-password "$JHP_OS_PW_ADMIN" --bootstrap-region-id "$JHP_OS_REGION" \
  --bootstrap-admin-url "$keystone_url" --bootstrap-internal-url "$keystone_url" --bootstrap-public-url "$keystone_url"

# uwsgi speaks HTTP itself (--http-socket, no router process). It closes every connection after
# the response, so it says so: clients that keep connections would otherwise reuse a closed one
# and see "connection reset by peer".
uwsgi_app() { # uwsgi_app NAME PORT WSGI_SCRIPT ENV=VALUE...
  local name=$1 port=$2 script=$3 e envs=()
  shift 3
  for e in "$@"; do envs+=(--env "$e"); done
  jhp_os_start "$name" uwsgi-core --plugin python3 --http-socket "$JHP_OS_HOST:$port" \
    --wsgi-file "$script" --master --processes 1 --threads 2 --enable-threads --die-on-term \
    --need-app --buffer-size 65535 --disable-logging --add-header "Connection: close" "${envs[@]}"
}
uwsgi_app keystone "$JHP_OS_KEYSTONE_PORT" /usr/bin/keystone-wsgi-public \
  "OS_KEYSTONE_CONFIG_DIR=$JHP_OS_ETC/keystone" OS_KEYSTONE_CONFIG_FILES=keystone.conf
jhp_os_wait_http keystone "$keystone_url"

stamped identity "$(inputs_hash)" "$JHP_OS_PYTHON" -m jhp_local_openstack.bootstrap identity
jhp_os_wait_tcp rabbitmq "$JHP_OS_RABBIT_PORT"

for job in "${sync_jobs[@]}"; do
  if ! wait "${job#*:}"; then
    jhp_os_tail_log "dbsync-${job%%:*}"
    jhp_os_die "schema sync of ${job%%:*} failed"
  fi
done

# ---------------------------------------------------------------- services
# neutron-server first: its agents wait for it.
py neutron-server jhp_local_openstack.neutron_server:main "${neutron_confs[@]}"
uwsgi_app placement "$JHP_OS_PLACEMENT_PORT" /usr/bin/placement-api "OS_PLACEMENT_CONFIG_DIR=$JHP_OS_ETC/placement"
py glance-api glance.cmd.api:main --config-file "$JHP_OS_ETC/glance/glance-api.conf"
py nova-api nova.cmd.api:main --config-file "$nova_conf"
py nova-conductor nova.cmd.conductor:main --config-file "$nova_conf"
py nova-scheduler nova.cmd.scheduler:main --config-file "$nova_conf"
py nova-compute jhp_local_openstack.nova_compute:main --config-file "$JHP_OS_ETC/nova/nova-compute.conf"
py cinder-api cinder.cmd.api:main --config-file "$cinder_conf"
py cinder-scheduler cinder.cmd.scheduler:main --config-file "$cinder_conf"
py cinder-volume cinder.cmd.volume:main --config-file "$cinder_conf"
# The agents once neutron-server consumes their RPC topics (see bootstrap.neutron_rpc).
jhp_os_wait_http neutron-server "http://$JHP_OS_HOST:$JHP_OS_NEUTRON_PORT/"
"$JHP_OS_PYTHON" -m jhp_local_openstack.bootstrap neutron-rpc
py neutron-linuxbridge-agent neutron.cmd.eventlet.plugins.linuxbridge_neutron_agent:main \
  --config-file "$JHP_OS_ETC/neutron/neutron.conf" --config-file "$JHP_OS_ETC/neutron/linuxbridge_agent.ini"
py neutron-dhcp-agent neutron.cmd.eventlet.agents.dhcp:main \
  --config-file "$JHP_OS_ETC/neutron/neutron.conf" --config-file "$JHP_OS_ETC/neutron/dhcp_agent.ini"
py neutron-l3-agent neutron.cmd.eventlet.agents.l3:main \
  --config-file "$JHP_OS_ETC/neutron/neutron.conf" --config-file "$JHP_OS_ETC/neutron/l3_agent.ini"

jhp_os_wait_http placement "http://$JHP_OS_HOST:$JHP_OS_PLACEMENT_PORT/"
jhp_os_wait_http glance-api "http://$JHP_OS_HOST:$JHP_OS_GLANCE_PORT/"
jhp_os_wait_http nova-api "http://$JHP_OS_HOST:$JHP_OS_NOVA_PORT/"
jhp_os_wait_http cinder-api "http://$JHP_OS_HOST:$JHP_OS_CINDER_PORT/"

# Services report in through their APIs (bounded); a dead process fails fast here too.
for name in nova-conductor nova-scheduler nova-compute neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent cinder-scheduler cinder-volume; do
  jhp_os_running "$name" || {
    jhp_os_tail_log "$name"
    jhp_os_die "$name exited"
  }
done
JHP_OS_STARTED=""
for name in nova-conductor nova-scheduler nova-compute neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent cinder-scheduler cinder-volume; do
  JHP_OS_STARTED+="$name=$(jhp_os_started_epoch "$name") "
done
export JHP_OS_STARTED
"$JHP_OS_PYTHON" -m jhp_local_openstack.bootstrap health
# The compute host must be mapped to its cell before anything can be scheduled on it (and
# before the hypervisors API lists it).
stamped discover-hosts "$JHP_OS_COMPUTE_HOST" nova-manage --config-file "$nova_conf" cell_v2 discover_hosts --verbose \
  >>"$JHP_OS_LOG/nova-manage.log" 2>&1
if [ "$(cat "$JHP_OS_STATE/stamp-resources" 2>/dev/null)" = "$(inputs_hash)" ]; then
  "$JHP_OS_PYTHON" -m jhp_local_openstack.bootstrap hypervisor
else
  stamped resources "$(inputs_hash)" "$JHP_OS_PYTHON" -m jhp_local_openstack.bootstrap hypervisor resources
fi

# ---------------------------------------------------------------- clouds.yaml
cloud_entry() { # cloud_entry NAME USER PASSWORD PROJECT
  cat <<EOF
  $1:
    auth:
      auth_url: $JHP_OS_AUTH_URL
      username: $2
      password: $3
      project_name: $4
      user_domain_name: Default
      project_domain_name: Default
    region_name: $JHP_OS_REGION
    interface: public
    identity_api_version: 3
EOF
}
(
  umask 077
  {
    echo "# Written by tools/local-openstack/up.sh; use with tools/local-openstack/env.sh."
    echo "clouds:"
    cloud_entry "$JHP_OS_CLOUD" "$JHP_OS_USER" "$JHP_OS_PW_USER" "$JHP_OS_PROJECT"
    cloud_entry "$JHP_OS_ADMIN_CLOUD" admin "$JHP_OS_PW_ADMIN" admin
  } >"$JHP_OS_CLOUDS_YAML.tmp"
  mv "$JHP_OS_CLOUDS_YAML.tmp" "$JHP_OS_CLOUDS_YAML"
)

if [ -n "$fresh" ] && [ -z "$restored" ] && [ ! -s "$baseline" ]; then
  # Nothing but the bootstrap has touched the cloud yet: this is the state to restore.
  tmp=$(mktemp -d)
  state_rel=${JHP_OS_STATE#"$JHP_OS_RUN/"} data_rel=${JHP_OS_DATA#"$JHP_OS_RUN/"}
  mkdir -p "$tmp/$state_rel" "$tmp/$data_rel/glance"
  mariadb-dump --no-defaults -S "$JHP_OS_MYSQL_SOCKET" -uroot --single-transaction \
    --databases "${openstack_dbs[@]}" | gzip -1 >"$tmp/$state_rel/baseline.sql.gz"
  cp -a "$JHP_OS_STATE/secrets.env" "$JHP_OS_STATE"/stamp-* "$tmp/$state_rel/"
  cp -a "$JHP_OS_DATA/keystone" "$tmp/$data_rel/"
  cp -a "$JHP_OS_DATA/glance/images" "$tmp/$data_rel/glance/"
  rm -f "$JHP_OS_CACHE"/baseline-*.tar.gz
  (umask 077 && tar -czf "$baseline.tmp" -C "$tmp" .)
  mv "$baseline.tmp" "$baseline"
  rm -rf "$tmp"
  jhp_os_log "saved the baseline for fresh starts: $baseline ($(du -h "$baseline" | cut -f1))"
fi

elapsed=$((SECONDS - start_seconds))
jhp_os_log "up in ${elapsed}s; $(jhp_os_memory)"
jhp_os_log "clouds.yaml: $JHP_OS_CLOUDS_YAML (clouds $JHP_OS_CLOUD, $JHP_OS_ADMIN_CLOUD); source tools/local-openstack/env.sh"
