#!/usr/bin/env bash
# The hub's per-user home hooks (images/hub/platform_homes.py and their wiring in
# jupyterhub_config.py) against the real VM/storage helper scripts, a fake Kubernetes API and
# JupyterHub's own config loader.
#
#   test/hub-python/run.sh                 # in the hub image (JHP_HUB_IMAGE, default test/hub:dev):
#                                          # the module as baked in, the image's spawners and
#                                          # kubernetes_asyncio; --network none
#   test/hub-python/run.sh --host          # in a venv under /tmp with the image's pinned packages
#
# Needs node (to render the helpers and documents from the TypeScript renderers) and, by default,
# Docker with the hub image built. Root is needed for the Gluster helper's lock in /run (the
# container runs as root). Ends with pytest's summary line ("N passed[, M failed]") and exits
# non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
mode=image
if [ "${1:-}" = "--host" ]; then
    mode=host
    shift
fi
image="${JHP_HUB_IMAGE:-test/hub:dev}"
cache="${JHP_HUB_PYTEST_CACHE:-/tmp/jhp-hub-pytest}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"

(cd "$repo" && npx --no-install ts-node --transpile-only test/hub-python/render_helpers.ts "$work/helpers") >&2
chmod -R a+rX "$work/helpers"

pytest_args=(-p no:cacheprovider -q -rfE -W ignore::DeprecationWarning "$@")

if [ "$mode" = image ]; then
    if ! docker image inspect "$image" >/dev/null 2>&1; then
        echo "run.sh: hub image $image not found; build it (docker build -t $image images/hub) or use --host" >&2
        exit 2
    fi
    # pytest only (pure Python), appended to sys.path so nothing of the image is shadowed.
    if [ ! -f "$cache/pytest-target/pytest/__init__.py" ]; then
        python3 -m pip install -q --disable-pip-version-check --target "$cache/pytest-target" "pytest==9.2.0" >&2
    fi
    status=0
    docker run --rm --network none --user 0 \
        -e JHP_IN_IMAGE=1 -e JHP_HELPERS_DIR=/helpers -e PLATFORM_HOMES_DIR=/etc/jupyterhub \
        -v "$work/helpers:/helpers:ro" \
        -v "$cache/pytest-target:/opt/pytest:ro" \
        -v "$here:/src/test/hub-python:ro" \
        -w /src/test/hub-python "$image" \
        python3 -c 'import sys; sys.path.append("/opt/pytest"); import pytest; sys.exit(pytest.main(sys.argv[1:]))' \
        "${pytest_args[@]}" . || status=$?
    exit "$status"
fi

venv="$cache/venv"
if [ ! -x "$venv/bin/pytest" ]; then
    python3 -m venv "$venv"
    # The hub image's versions (images/hub/requirements.txt, JupyterHub of the base image).
    "$venv/bin/pip" install -q --disable-pip-version-check "pytest==9.2.0" "jupyterhub==5.3.0" \
        "dockerspawner==14.0.0" "jupyterhub-kubespawner==7.1.0" >&2
fi
cd "$here"
PYTHONDONTWRITEBYTECODE=1 JHP_HELPERS_DIR="$work/helpers" PLATFORM_HOMES_DIR="$repo/images/hub" "$venv/bin/python" -m pytest "${pytest_args[@]}" .
