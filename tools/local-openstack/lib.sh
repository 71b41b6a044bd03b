# shellcheck shell=bash
# tools/local-openstack/lib.sh - process and wait helpers shared by up.sh and down.sh.
# Every service runs in its own session (setsid), so its pid is also its session and
# process-group id and `kill -- -pid` reaches the workers it forks. A pid file holds the pid and
# the process's start time (field 22 of /proc/PID/stat), so a recycled pid is never taken for
# the service. (An environment marker would not do: services that set their process title,
# like the neutron agents, overwrite /proc/PID/environ.)

# shellcheck source=tools/local-openstack/config.sh
source "$(dirname "${BASH_SOURCE[0]}")/config.sh"

jhp_os_log() { printf '%s local-openstack: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
jhp_os_die() {
  jhp_os_log "ERROR: $*"
  exit 1
}

# One up or down at a time. The lock lives beside the run directory (--purge deletes that) on
# file descriptor 9, which the services must not inherit (they would hold it after up ends).
jhp_os_lock() {
  exec 9>"$JHP_OS_RUN.lock"
  flock -w 900 9 || jhp_os_die "another openstack:up/down holds $JHP_OS_RUN.lock"
}

jhp_os_marker() { printf 'JHP_OS_SERVICE=%s@%s' "$1" "$JHP_OS_RUN"; }

# Start time of a process in clock ticks since boot (the command name may hold spaces and
# parentheses: count fields after the last ')').
jhp_os_starttime() {
  local stat
  stat=$({ cat "/proc/$1/stat"; } 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  printf '%s\n' "${20}"
}

# The pid of a running service NAME, or nothing.
jhp_os_pid() {
  local pidfile="$JHP_OS_PIDS/$1.pid" pid start now
  [ -s "$pidfile" ] || return 1
  read -r pid start <"$pidfile" || return 1
  now=$(jhp_os_starttime "$pid") || return 1
  [ "$now" = "$start" ] || return 1
  printf '%s\n' "$pid"
}

jhp_os_running() { jhp_os_pid "$1" >/dev/null; }

# When service NAME started, in seconds since the epoch (health checks want heartbeats newer
# than that: a heartbeat from before a restart is still "up" for a minute).
jhp_os_started_epoch() {
  local pid start btime
  read -r pid start <"$JHP_OS_PIDS/$1.pid" || return 1
  btime=$(awk '/^btime/ { print $2 }' /proc/stat)
  echo $((btime + start / $(getconf CLK_TCK)))
}

# What a service runs with: its command line, the configuration files and directories of the
# run directory it names (as an argument or as VAR=PATH), and the project's Python modules.
jhp_os_fingerprint() {
  local arg path
  {
    printf '%s\n' "$@"
    for arg in "$@"; do
      path=${arg#*=}
      case "$path" in "$JHP_OS_ETC"/*) ;; *) continue ;; esac
      if [ -f "$path" ]; then
        cat "$path"
      elif [ -d "$path" ]; then
        find "$path" -type f -exec cat {} +
      fi
    done
    cat "$JHP_OS_DIR"/python/jhp_local_openstack/*.py
  } | sha256sum | cut -c1-16
}

# jhp_os_start NAME CMD ARGS... - start CMD in its own session with its output appended to
# $JHP_OS_LOG/NAME.log. Nothing happens if NAME is running already with the same fingerprint;
# a running service whose configuration changed is restarted.
jhp_os_start() {
  local name=$1 fp
  shift
  fp=$(jhp_os_fingerprint "$@")
  if jhp_os_running "$name"; then
    if [ "$(cat "$JHP_OS_PIDS/$name.fp" 2>/dev/null)" = "$fp" ]; then
      return 0
    fi
    jhp_os_log "$name: configuration changed, restarting"
    jhp_os_stop "$name"
  fi
  mkdir -p "$JHP_OS_LOG" "$JHP_OS_PIDS"
  printf '\n===== %s start: %s\n' "$(date -Is)" "$*" >>"$JHP_OS_LOG/$name.log"
  # A background subshell is not a process-group leader, so setsid(1) calls setsid() itself
  # without forking and $! is the service's pid.
  (
    cd "$JHP_OS_RUN" || exit 1
    exec 9>&-
    exec env "$(jhp_os_marker "$name")" setsid "$@" >>"$JHP_OS_LOG/$name.log" 2>&1 </dev/null
  ) &
  local pid=$!
  # exec keeps the pid and the start time: the subshell's start time is the service's.
  printf '%s %s\n' "$pid" "$(jhp_os_starttime "$pid")" >"$JHP_OS_PIDS/$name.pid"
  printf '%s\n' "$fp" >"$JHP_OS_PIDS/$name.fp"
}

# Processes of a session (the service and everything it forked that did not leave it).
jhp_os_session_pids() { ps -e -o pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }

# jhp_os_stop NAME - TERM the service's session, KILL what is left after JHP_OS_STOP_TIMEOUT.
jhp_os_stop() {
  local name=$1 pid waited=0
  if ! pid=$(jhp_os_pid "$name"); then
    rm -f "$JHP_OS_PIDS/$name.pid" "$JHP_OS_PIDS/$name.fp"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || true
  while [ -n "$(jhp_os_session_pids "$pid")" ] && [ "$waited" -lt $((JHP_OS_STOP_TIMEOUT * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  local left
  left=$(jhp_os_session_pids "$pid")
  if [ -n "$left" ]; then
    jhp_os_log "$name did not stop within ${JHP_OS_STOP_TIMEOUT}s; killing $(echo "$left" | wc -l) process(es)"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
  fi
  rm -f "$JHP_OS_PIDS/$name.pid" "$JHP_OS_PIDS/$name.fp"
}

# Every process started for this run directory, whatever session it ended up in: the services
# (marker in the environment) and what they spawned detached (dnsmasq, privsep helpers under
# sudo), recognised by a config or data path of the run directory on their command line (not a
# log path: someone's `tail -f` of a log is not ours to stop).
jhp_os_stray_pids() {
  local p marker_prefix="JHP_OS_SERVICE=" suffix="@$JHP_OS_RUN" cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] && continue
    [ "$p" = "$BASHPID" ] && continue
    cmd=$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null || true)
    if [[ "$cmd" == *"$JHP_OS_ETC/"* || "$cmd" == *"$JHP_OS_DATA/"* ]]; then
      echo "$p"
    elif { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -q "^${marker_prefix}.*${suffix}\$"; then
      echo "$p"
    fi
  done
}

jhp_os_tail_log() {
  local name=$1
  jhp_os_log "last lines of $JHP_OS_LOG/$name.log:"
  tail -n 25 "$JHP_OS_LOG/$name.log" >&2 || true
}

# jhp_os_wait_tcp NAME PORT - until something accepts on 127.0.0.1:PORT (bounded), failing
# early when the service died.
jhp_os_wait_tcp() {
  local name=$1 port=$2 deadline=$((SECONDS + JHP_OS_START_TIMEOUT))
  while ! (exec 3<>"/dev/tcp/$JHP_OS_HOST/$port") 2>/dev/null; do
    if ! jhp_os_running "$name"; then
      jhp_os_tail_log "$name"
      jhp_os_die "$name exited before listening on $JHP_OS_HOST:$port"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      jhp_os_tail_log "$name"
      jhp_os_die "$name not listening on $JHP_OS_HOST:$port after ${JHP_OS_START_TIMEOUT}s"
    fi
    sleep 0.3
  done
}

# jhp_os_wait_http NAME URL - until URL answers with a status below 500 (bounded).
jhp_os_wait_http() {
  local name=$1 url=$2 deadline=$((SECONDS + JHP_OS_START_TIMEOUT)) code
  while :; do
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" || true)
    if [ "$code" != 000 ] && [ "$code" -lt 500 ]; then
      return 0
    fi
    if ! jhp_os_running "$name"; then
      jhp_os_tail_log "$name"
      jhp_os_die "$name exited before answering $url"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      jhp_os_tail_log "$name"
      jhp_os_die "$name did not answer $url within ${JHP_OS_START_TIMEOUT}s (last status $code)"
    fi
    sleep 0.5
  done
}

# The secrets of this run directory, generated on the first `up` (hex: safe in URLs and INI).
jhp_os_load_secrets() {
  local f="$JHP_OS_STATE/secrets.env" name
  if [ ! -s "$f" ]; then
    mkdir -p "$JHP_OS_STATE"
    (
      umask 077
      for name in DB RABBIT ADMIN USER GLANCE PLACEMENT NOVA NEUTRON CINDER; do
        printf 'JHP_OS_PW_%s=%s\n' "$name" "$(openssl rand -hex 16)"
      done >"$f.tmp"
      mv "$f.tmp" "$f"
    )
  fi
  set -a
  # shellcheck disable=SC1090
  source "$f"
  set +a
}

# Values the config templates use besides config.sh's.
jhp_os_export_derived() {
  export JHP_OS_DB="mysql+pymysql://jhp:${JHP_OS_PW_DB}@${JHP_OS_HOST}:${JHP_OS_MYSQL_PORT}"
  export JHP_OS_TRANSPORT="rabbit://jhp:${JHP_OS_PW_RABBIT}@${JHP_OS_HOST}:${JHP_OS_RABBIT_PORT}/"
  export JHP_OS_AUTH_URL="http://${JHP_OS_HOST}:${JHP_OS_KEYSTONE_PORT}/v3"
  export JHP_OS_MEMCACHE="${JHP_OS_HOST}:${JHP_OS_MEMCACHED_PORT}"
}

jhp_os_mysql() { mariadb --no-defaults -S "$JHP_OS_MYSQL_SOCKET" -uroot "$@"; }

# Names of the namespaces and bridges Neutron's agents make for its networks and routers
# (Linux bridge: brq + the first 11 characters of the network ID).
jhp_os_neutron_devices() {
  jhp_os_mysql -N -e "SELECT CONCAT('qdhcp-', id) FROM neutron.networks
    UNION ALL SELECT CONCAT('brq', LEFT(id, 11)) FROM neutron.networks
    UNION ALL SELECT CONCAT('qrouter-', id) FROM neutron.routers"
}

# Sum of RSS and PSS (kB) over every process of this run directory.
jhp_os_memory() {
  local p rss=0 pss=0 n=0 r s
  for p in $(jhp_os_stray_pids); do
    r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
    s=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    [ -n "$r" ] || continue
    rss=$((rss + r))
    pss=$((pss + ${s:-0}))
    n=$((n + 1))
  done
  printf '%s processes, RSS %s MiB, PSS %s MiB\n' "$n" "$((rss / 1024))" "$((pss / 1024))"
}
