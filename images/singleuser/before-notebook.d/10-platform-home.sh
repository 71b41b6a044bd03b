# shellcheck shell=bash
# Sourced by start.sh (docker-stacks) as the notebook user before the server starts.
# 1. Seed a new home with the demo notebook once (a marker file remembers it, so a user who
#    deletes the notebook does not get it back).
# 2. With PLATFORM_GIT_REPOSITORY set (hub config, singleuser.gitRepository), pull the course
#    repository with nbgitpuller. A failed pull must not stop the server from starting.
_platform_home=${HOME:-/home/jovyan}
if [ -d /opt/platform/home-template ] && [ ! -e "${_platform_home}/.platform/seeded" ]; then
    mkdir -p "${_platform_home}/.platform"
    cp -R -n /opt/platform/home-template/. "${_platform_home}/" 2>/dev/null || true
    date -u +%Y-%m-%dT%H:%M:%SZ > "${_platform_home}/.platform/seeded"
    echo "platform: seeded ${_platform_home} from /opt/platform/home-template"
fi
if [ -n "${PLATFORM_GIT_REPOSITORY:-}" ]; then
    _platform_target="${PLATFORM_GIT_TARGET:-${_platform_home}/$(basename "${PLATFORM_GIT_REPOSITORY}" .git)}"
    if timeout 120 gitpuller "${PLATFORM_GIT_REPOSITORY}" "${PLATFORM_GIT_BRANCH:-main}" "${_platform_target}"; then
        echo "platform: pulled ${PLATFORM_GIT_REPOSITORY} into ${_platform_target}"
    else
        echo "platform: warning: could not pull ${PLATFORM_GIT_REPOSITORY}; starting anyway" >&2
    fi
    unset _platform_target
fi
unset _platform_home
